"""``GET /api/v1/programs``: the console's roll-up as JSON."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mentorflow.reporting.programs import Rollup, rollup
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["programs"])


@router.get("/programs", responses=documented(401, 403))
async def list_programs(access: ApiAccess, session: SessionDep) -> Rollup:
    """The programs the caller may see, each with its cohorts' figures and
    their sum; ``all_programs`` sums every program for an administrator."""
    return rollup(session, access.programs)
