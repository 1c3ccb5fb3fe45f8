"""``/hr/hris``: the directory's sync with the HR system, for administrators:
the recent syncs and what each changed or why it applied nothing, a sync now
(with the mass-leaver guard's acceptance), and the recurring schedule."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from mentorflow.hr import hris
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess, require_administrator
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, done, temporal
from mentorflow.web.deps import SessionDep, SettingsDep, TemplatesDep

router = APIRouter(prefix="/hr/hris", dependencies=[Depends(csrf_protected)])

#: How long the page waits for a sync before saying it goes on.
SYNC_WAIT = 30.0


def _page(
    request: Request, templates: TemplatesDep, settings: SettingsDep, **ctx: object
) -> HTMLResponse:
    return console_page(
        request,
        templates,
        "hr/hris.html",
        syncs=hris.sync_history(request.app.state.sessionmaker, 20),
        source=settings.hris_source,
        every=settings.hris_sync_interval,
        **ctx,
    )


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def syncs(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    require_administrator(request, session, access)
    return _page(request, templates, settings)


@router.post("/sync", response_class=HTMLResponse, include_in_schema=False)
async def sync_now(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    accept_leavers: Annotated[int, Form(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    require_administrator(request, session, access)
    outcome = await hris.sync_now(
        request.app.state.sessionmaker,
        await temporal(request),
        settings.temporal_task_queue,
        actor=actor(request, access),
        accept_leavers=accept_leavers,
        wait=SYNC_WAIT,
    )
    return _page(request, templates, settings, outcome=outcome)


@router.post("/schedule", include_in_schema=False)
async def schedule(
    request: Request, access: ConsoleAccess, session: SessionDep, settings: SettingsDep
) -> RedirectResponse:
    require_administrator(request, session, access)
    created = await hris.schedule_sync(
        request.app.state.sessionmaker,
        await temporal(request),
        settings,
        actor=actor(request, access),
    )
    verb = "created" if created else "updated"
    return done(
        request,
        "/hr/hris",
        f"Schedule hris-sync {verb}: a sync every {settings.hris_sync_interval}.",
    )
