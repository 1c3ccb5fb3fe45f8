"""An evergreen intake's matching rounds over the API:
``GET /api/v1/cohorts/{name}/rounds`` (newest first), ``POST .../rounds``
(run one now, over everyone waiting), ``GET .../rounds/{number}`` (where it
is, its proposal) and ``POST .../rounds/{number}/review`` (approve with
overrides, or re-run). A round refused while the last is open is a 409."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from mentorflow.cohorts.models import ReviewDecision
from mentorflow.cohorts.rounds import RoundOpened, RoundSnapshot
from mentorflow.hr import rounds as hr_rounds
from mentorflow.hr.rounds import RoundSummary
from mentorflow.models import ActionReceipt
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.console.scope import require_cohort, store
from mentorflow.web.deps import SessionDep, SettingsDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["rounds"])


@router.get("/cohorts/{name}/rounds", responses=documented(401, 403, 404))
async def list_rounds(
    name: str, request: Request, access: ApiAccess, session: SessionDep
) -> list[RoundSummary]:
    """The intake's rounds, newest first: who was waiting, the pairs made,
    how each was approved."""
    require_cohort(request, session, access, name)
    return hr_rounds.list_rounds(store(request), name)


@router.post("/cohorts/{name}/rounds", responses=documented(401, 403, 404, 409, 503))
async def run_round(
    name: str, request: Request, access: ApiAccess, session: SessionDep, settings: SettingsDep
) -> RoundOpened:
    """Run a matching round now over everyone waiting."""
    require_cohort(request, session, access, name)
    return await hr_rounds.run_round(
        store(request),
        await temporal(request),
        settings.temporal_task_queue,
        name,
        actor=actor(request, access),
    )


@router.get("/cohorts/{name}/rounds/{number}", responses=documented(401, 403, 404, 503))
async def get_round(
    name: str, number: int, request: Request, access: ApiAccess, session: SessionDep
) -> RoundSnapshot:
    require_cohort(request, session, access, name)
    return await hr_rounds.round_status(await temporal(request), name, number)


@router.post(
    "/cohorts/{name}/rounds/{number}/review", responses=documented(401, 403, 404, 409, 422, 503)
)
async def review_round(
    name: str,
    number: int,
    decision: ReviewDecision,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
) -> ActionReceipt:
    """Approve the round's proposal with ``overrides``, or ``rerun`` it."""
    require_cohort(request, session, access, name)
    return await hr_rounds.review_round(
        store(request),
        await temporal(request),
        name,
        number,
        decision,
        actor=actor(request, access),
    )
