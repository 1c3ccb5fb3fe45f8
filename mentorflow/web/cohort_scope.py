"""A cohort by name, if the person may see its program: shared by the
console's cohort pages and the API's cohort routes."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from mentorflow.audit import AuditAction, AuditResult
from mentorflow.store import cohorts
from mentorflow.store.schema import Cohort
from mentorflow.web.audit_trail import audit
from mentorflow.web.auth.guard import ApiError, NoAccess, require_program
from mentorflow.web.auth.roles import Access
from mentorflow.web.errors import PageError


def cohort_in_scope(request: Request, session: Session, access: Access, name: str) -> Cohort:
    """The cohort, or 404 (administrators) / 403 (anyone else: whether a
    cohort outside one's programs exists is not theirs to learn)."""
    cohort = cohorts.get_cohort(session, name)
    api = request.url.path.startswith("/api/")
    if cohort is None:
        if not access.administrator:
            audit(
                request,
                session,
                AuditAction.ACCESS,
                AuditResult.REFUSED,
                target=request.url.path,
                actor=access.person.email,
                detail={"reason": f"cohort {name!r} is not in scope", "method": request.method},
            )
            message = f"The cohort {name!r} is not in the programs you manage."
            if api:
                raise ApiError(403, "forbidden", message)
            raise NoAccess(access.person, message)
        if api:
            raise ApiError(404, "not_found", f"No cohort named {name!r} exists.")
        raise PageError(404, "No such cohort", f"No cohort named {name!r} exists.")
    require_program(request, session, access, cohort.program_name)
    return cohort


def hr_reads_answers(cohort: Cohort) -> bool:
    """The program file as the cohort was launched with it says."""
    return cohorts.cohort_program(cohort).hr_reads_answers
