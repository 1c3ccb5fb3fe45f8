"""The matching review over the API: ``GET /api/v1/cohorts/{name}/review``
(the proposal with its explanations), ``POST .../review/preview`` (what an
approval with these overrides would do) and ``POST .../review`` (approve
with overrides, or re-run). A forced pair breaking a hard rule is a 409
``refused`` with the engine's ``reasons``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from mentorflow.cohorts.models import Overrides, ReviewDecision
from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr.cohorts import CohortStatus
from mentorflow.hr.review_preview import ReviewPreview, preview_review
from mentorflow.models import ActionReceipt
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.console.scope import require_cohort, store
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["review"])


@router.get("/cohorts/{name}/review", responses=documented(401, 403, 404, 503))
async def get_review(
    name: str, request: Request, access: ApiAccess, session: SessionDep
) -> CohortStatus:
    """Where the cohort's workflow is, the application counts, the latest
    proposal (pairs with the per-criterion explanation, unmatched mentees
    with the reason, mentors with room), names by employee id, and HR's
    overrides once approved."""
    require_cohort(request, session, access, name)
    return await hr_cohorts.cohort_status(store(request), await temporal(request), name)


@router.post("/cohorts/{name}/review/preview", responses=documented(401, 403, 404))
async def preview(
    name: str, overrides: Overrides, request: Request, access: ApiAccess, session: SessionDep
) -> ReviewPreview:
    """The engine's verdict on ``overrides``; nothing is approved."""
    require_cohort(request, session, access, name)
    return preview_review(store(request), name, overrides)


@router.post("/cohorts/{name}/review", responses=documented(401, 403, 404, 409, 422, 503))
async def decide(
    name: str, decision: ReviewDecision, request: Request, access: ApiAccess, session: SessionDep
) -> ActionReceipt:
    """Approve the proposal with ``overrides``, or ``rerun`` matching."""
    require_cohort(request, session, access, name)
    return await hr_cohorts.review_cohort(
        store(request),
        await temporal(request),
        name,
        decision.model_copy(update={"by": "hr"}),
        actor=actor(request, access),
    )
