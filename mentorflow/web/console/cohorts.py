"""``/hr/cohorts/{name}``: where a cohort is, with its dates and counts, and
closing its applications early (after a confirmation)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from mentorflow.cohorts.review import STATE_LABELS
from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr.cohort_reads import cohort_details
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, done, temporal
from mentorflow.web.console.scope import require_cohort, store
from mentorflow.web.deps import SessionDep, TemplatesDep

router = APIRouter(prefix="/hr/cohorts", dependencies=[Depends(csrf_protected)])


def cohort_path(name: str, page: str = "") -> str:
    return f"/hr/cohorts/{quote(name, safe='')}" + (f"/{page}" if page else "")


@router.get("/{name}", response_class=HTMLResponse, include_in_schema=False)
async def cohort(
    name: str, request: Request, access: ConsoleAccess, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    require_cohort(request, session, access, name)
    return console_page(
        request,
        templates,
        "hr/cohort.html",
        cohort=cohort_details(store(request), name),
        labels=STATE_LABELS,
    )


@router.get("/{name}/close", response_class=HTMLResponse, include_in_schema=False)
async def confirm_close(
    name: str, request: Request, access: ConsoleAccess, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    require_cohort(request, session, access, name)
    return console_page(
        request, templates, "hr/close.html", cohort=cohort_details(store(request), name)
    )


@router.post("/{name}/close", include_in_schema=False)
async def close(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    confirm: Annotated[str, Form()] = "",
) -> RedirectResponse:
    require_cohort(request, session, access, name)
    if confirm != "yes":
        return done(
            request,
            cohort_path(name, "close"),
            "Tick “Yes, close applications now” to close them; nothing was changed.",
            "warning",
        )
    receipt = await hr_cohorts.close_applications(
        store(request), await temporal(request), name, actor=actor(request, access)
    )
    return done(request, cohort_path(name), receipt.message)
