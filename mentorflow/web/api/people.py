"""``GET /api/v1/people?q=`` and ``GET /api/v1/people/{employee_id}``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from mentorflow.reporting.people import PersonFound, PersonHistory, person_history, search_people
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, ApiError
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["people"])


@router.get("/people", responses=documented(401, 403))
async def find_people(
    access: ApiAccess, session: SessionDep, q: Annotated[str, Query(max_length=200)] = ""
) -> list[PersonFound]:
    """Up to 50 people whose name, email or employee id contains ``q`` (any case)."""
    return search_people(session, q)


@router.get("/people/{employee_id}", responses=documented(401, 403, 404))
async def person(employee_id: str, access: ApiAccess, session: SessionDep) -> PersonHistory:
    """The person and their applications and mentorships, newest first, in
    the caller's programs only (empty lists: nothing in them)."""
    history = person_history(session, employee_id, access.programs)
    if history is None:
        raise ApiError(404, "not_found", f"The directory has no employee {employee_id!r}.")
    return history
