"""``/hr/cohorts/{name}/rounds``: an evergreen intake's matching rounds, with
"run a round now", and each round's review (``/rounds/{number}``): the same
review page as a cohort's, approving or re-running that round."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from mentorflow.cohorts.models import ReviewDecision
from mentorflow.hr import rounds as hr_rounds
from mentorflow.hr.cohort_reads import cohort_details
from mentorflow.hr.review_preview import preview_review
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, done, temporal
from mentorflow.web.console.cohorts import cohort_path
from mentorflow.web.console.review import overrides_from_form, review_page
from mentorflow.web.console.scope import require_cohort, store
from mentorflow.web.deps import SessionDep, SettingsDep, TemplatesDep

router = APIRouter(prefix="/hr/cohorts", dependencies=[Depends(csrf_protected)])


@router.get("/{name}/rounds", response_class=HTMLResponse, include_in_schema=False)
async def rounds(
    name: str, request: Request, access: ConsoleAccess, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    require_cohort(request, session, access, name)
    sessions = store(request)
    return console_page(
        request,
        templates,
        "hr/rounds.html",
        cohort=cohort_details(sessions, name),
        rounds=hr_rounds.list_rounds(sessions, name),
    )


@router.post("/{name}/rounds", include_in_schema=False)
async def run_round(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    require_cohort(request, session, access, name)
    opened = await hr_rounds.run_round(
        store(request),
        await temporal(request),
        settings.temporal_task_queue,
        name,
        actor=actor(request, access),
    )
    return done(
        request,
        cohort_path(name, f"rounds/{opened.number}"),
        f"Round {opened.number} is matching everyone waiting; its proposal appears here.",
    )


@router.get("/{name}/rounds/{number}", response_class=HTMLResponse, include_in_schema=False)
async def round_review(
    name: str,
    number: int,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    require_cohort(request, session, access, name)
    status = await hr_rounds.round_review(store(request), await temporal(request), name, number)
    return review_page(request, templates, name, status, round_number=number)


@router.post("/{name}/rounds/{number}", include_in_schema=False)
async def decide(
    name: str,
    number: int,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    do: Annotated[Literal["preview", "approve", "rerun"], Form()],
    drop: Annotated[list[str] | None, Form()] = None,
    force_mentor: Annotated[str, Form(max_length=64)] = "",
    force_mentee: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    require_cohort(request, session, access, name)
    sessions, client = store(request), await temporal(request)
    here = cohort_path(name, f"rounds/{number}")
    if do == "rerun":
        receipt = await hr_rounds.review_round(
            sessions, client, name, number, ReviewDecision(rerun=True), actor=actor(request, access)
        )
        return done(request, here, receipt.message)
    overrides = overrides_from_form(drop or [], force_mentor, force_mentee, reason)
    if do == "preview":
        status = await hr_rounds.round_review(sessions, client, name, number)
        verdict = preview_review(sessions, name, overrides, number)
        return review_page(request, templates, name, status, overrides, verdict, number)
    receipt = await hr_rounds.review_round(
        sessions,
        client,
        name,
        number,
        ReviewDecision(overrides=overrides),
        actor=actor(request, access),
    )
    return done(request, here, receipt.message)
