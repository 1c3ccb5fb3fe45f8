"""What the cohort pages read from the store, on SQLite and PostgreSQL: the
cohort's dates and counts, and applications filtered by status and role and
searched by name, email or employee id (a search for ``%`` is literal)."""

from __future__ import annotations

import pytest

from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.hr.cohort_reads import cohort_details, list_applications
from mentorflow.hr.errors import NotFound
from mentorflow.models import Role
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.support.hr import COHORT_A, PROGRAM_A, seed_programs


def test_filters_search_and_counts(db_url: str) -> None:
    seed_programs(db_url)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    try:
        details = cohort_details(sessions, COHORT_A)
        assert details.program == PROGRAM_A and details.status.value == "open"
        assert details.applications[ApplicationStatus.SUBMITTED] == 2
        assert details.dates.matched_at is None and details.pairs == 0

        def ids(**query: object) -> list[str]:
            listing = list_applications(sessions, COHORT_A, **query)  # type: ignore[arg-type]
            return sorted(r.employee_id for r in listing.rows)

        assert ids() == ["A1", "B2"]
        assert ids(role=Role.MENTOR) == ["B2"]
        assert ids(status=ApplicationStatus.APPROVED) == []
        assert ids(search="BO.BUILDER@") == ["B2"]  # part of an email, any case
        assert ids(search="ana app") == ["A1"]  # part of a name
        assert ids(search="a1") == ["A1"]  # an employee id, whole
        assert ids(search="%") == [] and ids(search="_") == []
        listing = list_applications(sessions, COHORT_A, limit=1)
        assert listing.truncated and len(listing.rows) == 1
        assert listing.counts[ApplicationStatus.SUBMITTED] == 2
        with pytest.raises(NotFound):
            cohort_details(sessions, "no-such-cohort")
    finally:
        engine.dispose()
