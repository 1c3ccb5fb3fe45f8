"""``GET /api/v1/cohorts`` and ``GET /api/v1/programs/{name}/cohorts``: what
the console's programs page shows, as JSON, in the caller's scope."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from mentorflow.programs_overview import CohortOverview
from mentorflow.store.programs import program_overviews
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, ApiError, require_program
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["cohorts"])


@router.get("/cohorts", responses=documented(401, 403))
async def list_cohorts(access: ApiAccess, session: SessionDep) -> list[CohortOverview]:
    """Every cohort of the programs the caller may see, by program, newest first."""
    return [
        cohort
        for program in program_overviews(session, access.programs)
        for cohort in program.cohorts
    ]


@router.get("/programs/{name}/cohorts", responses=documented(401, 403, 404))
async def program_cohorts(
    name: str, request: Request, access: ApiAccess, session: SessionDep
) -> list[CohortOverview]:
    """The cohorts of one program, newest first."""
    require_program(request, session, access, name)
    found = program_overviews(session, [name])
    if not found:
        raise ApiError(404, "not_found", f"No cohort of a program named {name!r} exists.")
    return found[0].cohorts
