"""``/hr/cohorts/{name}/pairs``: a cohort's pairs; ``/hr/mentorships/{id}``:
one pair's page and HR's actions on it (pause, resume, end, resend the last
email to one person, mark the at-risk flag followed up)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from mentorflow.hr import mentorships, pairs
from mentorflow.pairs.models import PairFilter, PairSort
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess, require_program
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, done, temporal
from mentorflow.web.deps import SessionDep, SettingsDep, TemplatesDep

router = APIRouter(prefix="/hr", dependencies=[Depends(csrf_protected)])


def pair_path(mentorship_id: str) -> str:
    return f"/hr/mentorships/{quote(mentorship_id, safe=':')}"


def _in_scope(
    request: Request, session: Session, access: ConsoleAccess, mentorship_id: str
) -> None:
    require_program(request, session, access, pairs.program_of_pair(session, mentorship_id))


@router.get("/cohorts/{name}/pairs", response_class=HTMLResponse, include_in_schema=False)
async def cohort_pairs(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    show: PairFilter = PairFilter.ALL,
    sort: PairSort = PairSort.AT_RISK,
) -> HTMLResponse:
    require_program(request, session, access, pairs.program_of_cohort(session, name))
    rows = pairs.cohort_pairs(session, name, show, sort)
    return console_page(
        request,
        templates,
        "hr/pairs.html",
        cohort=name,
        program=pairs.program_of_cohort(session, name),
        rows=rows,
        show=show,
        sort=sort,
        filters=list(PairFilter),
        sorts=list(PairSort),
        pair_path=pair_path,
    )


@router.get("/mentorships/{mentorship_id}", response_class=HTMLResponse, include_in_schema=False)
async def pair_page(
    mentorship_id: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    _in_scope(request, session, access, mentorship_id)
    page = pairs.pair_page(session, mentorship_id)
    return console_page(
        request, templates, "hr/pair.html", page=page, path=pair_path(mentorship_id)
    )


@router.post("/mentorships/{mentorship_id}/pause", include_in_schema=False)
async def pause(
    mentorship_id: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    note: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    _in_scope(request, session, access, mentorship_id)
    sessions = request.app.state.sessionmaker
    receipt = await mentorships.pause(
        sessions, await temporal(request), mentorship_id, note.strip(), actor=actor(request, access)
    )
    return done(request, pair_path(mentorship_id), receipt.message)


@router.post("/mentorships/{mentorship_id}/resume", include_in_schema=False)
async def resume(
    mentorship_id: str, request: Request, access: ConsoleAccess, session: SessionDep
) -> RedirectResponse:
    _in_scope(request, session, access, mentorship_id)
    receipt = await mentorships.resume(
        request.app.state.sessionmaker,
        await temporal(request),
        mentorship_id,
        actor=actor(request, access),
    )
    return done(request, pair_path(mentorship_id), receipt.message)


@router.post("/mentorships/{mentorship_id}/end", include_in_schema=False)
async def end(
    mentorship_id: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> RedirectResponse:
    _in_scope(request, session, access, mentorship_id)
    if not reason.strip():
        return done(
            request,
            pair_path(mentorship_id),
            "Say why the pair ends: a reason is required.",
            "error",
        )
    receipt = await mentorships.end_early(
        request.app.state.sessionmaker,
        await temporal(request),
        mentorship_id,
        reason.strip(),
        actor=actor(request, access),
    )
    return done(request, pair_path(mentorship_id), receipt.message)


@router.post("/mentorships/{mentorship_id}/resend", include_in_schema=False)
async def resend(
    mentorship_id: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    settings: SettingsDep,
    employee_id: Annotated[str, Form(max_length=64)],
    message: Annotated[int | None, Form()] = None,
) -> RedirectResponse:
    _in_scope(request, session, access, mentorship_id)
    receipt = await mentorships.resend_last_email(
        request.app.state.sessionmaker,
        await temporal(request),
        settings.temporal_task_queue,
        mentorship_id,
        employee_id,
        actor=actor(request, access),
        message=message,
    )
    return done(request, pair_path(mentorship_id), receipt.message)


@router.post("/mentorships/{mentorship_id}/follow-up", include_in_schema=False)
async def follow_up(
    mentorship_id: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    note: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=40)] = "",
) -> RedirectResponse:
    _in_scope(request, session, access, mentorship_id)
    receipt = await mentorships.follow_up(
        request.app.state.sessionmaker, mentorship_id, note, actor=actor(request, access)
    )
    # Back to the list it was marked from, or to the pair's page.
    return done(
        request, "/hr/at-risk" if back == "at-risk" else pair_path(mentorship_id), receipt.message
    )
