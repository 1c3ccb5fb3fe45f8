"""``GET /api/v1/cohorts/{name}`` (where a cohort is, its dates and counts)
and ``POST /api/v1/cohorts/{name}/close`` (close applications now)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr.cohort_reads import CohortDetails, cohort_details
from mentorflow.models import ActionReceipt
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.console.scope import require_cohort, store
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["cohorts"])


@router.get("/cohorts/{name}", responses=documented(401, 403, 404))
async def get_cohort(
    name: str, request: Request, access: ApiAccess, session: SessionDep
) -> CohortDetails:
    """Status, dates (launched, opens, closes, matched, approved) and counts."""
    require_cohort(request, session, access, name)
    return cohort_details(store(request), name)


@router.post("/cohorts/{name}/close", responses=documented(401, 403, 404, 409, 503))
async def close_applications(
    name: str, request: Request, access: ApiAccess, session: SessionDep
) -> ActionReceipt:
    """Close applications now instead of at the set time; matching starts."""
    require_cohort(request, session, access, name)
    return await hr_cohorts.close_applications(
        store(request), await temporal(request), name, actor=actor(request, access)
    )
