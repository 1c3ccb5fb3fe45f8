"""The pairs, a pair's page and HR's actions on a pair, and the at-risk list,
as the console has them: same scope, same privacy rule, same audit rows."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from mentorflow.hr import mentorships, pairs
from mentorflow.models import ActionReceipt
from mentorflow.pairs.models import (
    AtRiskList,
    FollowUpReceipt,
    PairFilter,
    PairPage,
    PairRow,
    PairSort,
    ResendReceipt,
)
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, require_program
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.deps import SessionDep, SettingsDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["pairs"])

ACTION = documented(401, 403, 404, 409, 422, 503)


class PauseBody(BaseModel):
    note: str = Field(default="", max_length=2000)


class EndBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class ResendBody(BaseModel):
    employee_id: str = Field(min_length=1, max_length=64)
    #: The outbox message to copy (as the pair's page lists it); default: the
    #: person's most recent. Naming it makes a retried call send nothing more.
    message: int | None = None


class FollowUpBody(BaseModel):
    note: str = Field(default="", max_length=2000)


def _in_scope(request: Request, session: Session, access: ApiAccess, mentorship_id: str) -> None:
    require_program(request, session, access, pairs.program_of_pair(session, mentorship_id))


@router.get("/cohorts/{name}/pairs", responses=documented(401, 403, 404))
async def cohort_pairs(
    name: str,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    show: PairFilter = PairFilter.ALL,
    sort: PairSort = PairSort.AT_RISK,
) -> list[PairRow]:
    """Every pair of the cohort, at risk first unless sorted otherwise."""
    require_program(request, session, access, pairs.program_of_cohort(session, name))
    return pairs.cohort_pairs(session, name, show, sort)


@router.get("/mentorships/{mentorship_id}", responses=documented(401, 403, 404))
async def pair_page(
    mentorship_id: str, request: Request, access: ApiAccess, session: SessionDep
) -> PairPage:
    """The pair with its timeline; participants' words only when the program lets HR read them."""
    _in_scope(request, session, access, mentorship_id)
    return pairs.pair_page(session, mentorship_id)


@router.post("/mentorships/{mentorship_id}/pause", responses=ACTION)
async def pause(
    mentorship_id: str, body: PauseBody, request: Request, access: ApiAccess, session: SessionDep
) -> ActionReceipt:
    _in_scope(request, session, access, mentorship_id)
    return await mentorships.pause(
        request.app.state.sessionmaker,
        await temporal(request),
        mentorship_id,
        body.note.strip(),
        actor=actor(request, access),
    )


@router.post("/mentorships/{mentorship_id}/resume", responses=ACTION)
async def resume(
    mentorship_id: str, request: Request, access: ApiAccess, session: SessionDep
) -> ActionReceipt:
    _in_scope(request, session, access, mentorship_id)
    return await mentorships.resume(
        request.app.state.sessionmaker,
        await temporal(request),
        mentorship_id,
        actor=actor(request, access),
    )


@router.post("/mentorships/{mentorship_id}/end", responses=ACTION)
async def end(
    mentorship_id: str, body: EndBody, request: Request, access: ApiAccess, session: SessionDep
) -> ActionReceipt:
    _in_scope(request, session, access, mentorship_id)
    return await mentorships.end_early(
        request.app.state.sessionmaker,
        await temporal(request),
        mentorship_id,
        body.reason.strip(),
        actor=actor(request, access),
    )


@router.post("/mentorships/{mentorship_id}/resend", responses=ACTION)
async def resend(
    mentorship_id: str,
    body: ResendBody,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    settings: SettingsDep,
) -> ResendReceipt:
    """Sends the person's last email of this pair again, once."""
    _in_scope(request, session, access, mentorship_id)
    return await mentorships.resend_last_email(
        request.app.state.sessionmaker,
        await temporal(request),
        settings.temporal_task_queue,
        mentorship_id,
        body.employee_id,
        actor=actor(request, access),
        message=body.message,
    )


@router.post("/mentorships/{mentorship_id}/follow-up", responses=ACTION)
async def follow_up(
    mentorship_id: str,
    body: FollowUpBody,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
) -> FollowUpReceipt:
    """Marks the pair's current at-risk flag followed up (once a flag)."""
    _in_scope(request, session, access, mentorship_id)
    return await mentorships.follow_up(
        request.app.state.sessionmaker, mentorship_id, body.note, actor=actor(request, access)
    )


@router.get("/at-risk", responses=documented(401, 403))
async def at_risk(access: ApiAccess, session: SessionDep) -> AtRiskList:
    """Every running pair at risk in the caller's programs: to follow up, and followed up."""
    return pairs.at_risk(session, access.programs)
