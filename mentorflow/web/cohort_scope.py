"""A cohort by name, if the person may see its program: shared by the
console's cohort pages and the API's cohort routes."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from mentorflow.store import cohorts
from mentorflow.store.schema import Cohort
from mentorflow.web.auth.roles import Access
from mentorflow.web.console.scope import require_cohort


def cohort_in_scope(request: Request, session: Session, access: Access, name: str) -> Cohort:
    """The cohort, once the person may see it (``require_cohort``: 404 for an
    administrator when it does not exist, the same 403 as any other for a
    manager)."""
    require_cohort(request, session, access, name)
    cohort = cohorts.get_cohort(session, name)
    assert cohort is not None
    return cohort


def hr_reads_answers(cohort: Cohort) -> bool:
    """The program file as the cohort was launched with it says."""
    return cohorts.cohort_program(cohort).hr_reads_answers
