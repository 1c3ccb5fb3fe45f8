"""Cohorts, applications and matching runs on SQLite and PostgreSQL.

Every write may be retried by Temporal after it committed, so each test that
writes also writes again and checks what the store then holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.cohorts.states import ApplicationSource, ApplicationStatus, CohortStatus
from mentorflow.directory import import_directory
from mentorflow.models import Role
from mentorflow.program import load_program
from mentorflow.settings import PROJECT_ROOT
from mentorflow.store import cohorts as store
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Application, Cohort, MatchingRun

PROGRAM = load_program(PROJECT_ROOT / "examples" / "program.yaml")
COHORT = "eng-2027-spring"
OPENS = datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
CLOSES = OPENS + PROGRAM.applications_window
DIRECTORY = """\
employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level
M1,mentor.one@example.com,Mentor One,Staff Engineer,Platform,,Berlin,Europe/Berlin,2018-01-01,L6
M2,mentor.two@example.com,Mentor Two,Senior Engineer,Data,,London,Europe/London,2019-01-01,L5
T1,mentee.one@example.com,Mentee One,Engineer,Platform,M1,Paris,Europe/Paris,2024-01-01,L3
T2,mentee.two@example.com,Mentee Two,Engineer,Data,M2,Dublin,Europe/Dublin,2024-06-01,L3
"""


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session, session.begin():
        import_directory(session, DIRECTORY)
        store.create_cohort(session, COHORT, PROGRAM, opens_at=OPENS, closes_at=CLOSES, at=OPENS)
    try:
        yield sessions
    finally:
        engine.dispose()


def mentee(employee_id: str = "T1", **changes: object) -> store.NewApplication:
    fields: dict[str, object] = dict(
        cohort=COHORT,
        employee_id=employee_id,
        role=Role.MENTEE,
        goals="Learn system design and lead a design review",
        interests="distributed systems",
        preferred_cadence="biweekly",
        languages=["English", "French"],
        mentor_preferences=["M1", "M2"],
        source=ApplicationSource.CSV,
    )
    return store.NewApplication.model_validate(fields | changes)


def mentor(employee_id: str = "M1", **changes: object) -> store.NewApplication:
    fields: dict[str, object] = dict(
        cohort=COHORT,
        employee_id=employee_id,
        role=Role.MENTOR,
        capacity=2,
        expertise="Kubernetes, system design, technical leadership",
        languages=["English", "German"],
        source=ApplicationSource.CSV,
    )
    return store.NewApplication.model_validate(fields | changes)


def count(sessions: sessionmaker[Session], table: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


# --------------------------------------------------------------------------- cohorts


def test_a_cohort_is_created_once_with_its_program(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        cohort, created = store.create_cohort(
            session, COHORT, PROGRAM, opens_at=OPENS, closes_at=CLOSES
        )
    assert not created  # the fixture created it: this is a retried launch
    assert count(sessions, Cohort) == 1
    with sessions() as session:
        cohort = store.get_cohort(session, COHORT)
        assert cohort is not None
        assert cohort.status == CohortStatus.OPEN
        assert cohort.program_name == "Engineering Mentoring 2027"
        assert (cohort.opens_at, cohort.closes_at, cohort.created_at) == (OPENS, CLOSES, OPENS)
        assert store.cohort_program(cohort) == PROGRAM
        assert store.get_cohort(session, "no-such-cohort") is None


def test_a_cohort_cannot_close_before_it_opens(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(store.CohortStoreError, match="close before"):
        store.create_cohort(session, "backwards", PROGRAM, opens_at=CLOSES, closes_at=OPENS)


def test_cohort_status_moves_forward_and_retries_are_harmless(
    sessions: sessionmaker[Session],
) -> None:
    path = [
        CohortStatus.MATCHING,
        CohortStatus.REVIEW,
        CohortStatus.MATCHING,  # HR asked for a re-run
        CohortStatus.REVIEW,
        CohortStatus.RUNNING,
        CohortStatus.RUNNING,  # a retry
        CohortStatus.CLOSED,
    ]
    for status in path:
        with sessions() as session, session.begin():
            assert store.set_cohort_status(session, COHORT, status).status == status
    with sessions() as session:
        with pytest.raises(store.CohortStoreError, match="cannot go from closed to open"):
            store.set_cohort_status(session, COHORT, CohortStatus.OPEN)
        with pytest.raises(store.UnknownCohort):
            store.set_cohort_status(session, "nope", CohortStatus.MATCHING)


def test_a_cohort_cannot_skip_matching(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(store.CohortStoreError):
        store.set_cohort_status(session, COHORT, CohortStatus.RUNNING)


# --------------------------------------------------------------------------- applications


def test_an_application_is_recorded_once(sessions: sessionmaker[Session]) -> None:
    at = OPENS + timedelta(hours=1)
    with sessions() as session, session.begin():
        first = store.upsert_application(session, mentee(), at=at)
    assert first.created and not first.duplicate
    with sessions() as session, session.begin():
        again = store.upsert_application(session, mentee(), at=at + timedelta(hours=1))
    assert again.outcome is store.ApplicationOutcome.ALREADY_RECORDED
    assert not again.duplicate
    assert again.application.id == first.application.id
    assert count(sessions, Application) == 1
    with sessions() as session:
        stored = store.get_application(session, COHORT, "T1", Role.MENTEE)
        assert stored is not None
        assert stored.status == ApplicationStatus.SUBMITTED
        assert stored.languages == ["English", "French"]
        assert stored.mentor_preferences == ["M1", "M2"]
        assert stored.capacity is None
        assert stored.created_at == stored.updated_at == at


def test_a_different_application_for_the_same_role_is_a_duplicate(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        store.upsert_application(session, mentee())
    with sessions() as session, session.begin():
        write = store.upsert_application(
            session, mentee(goals="Something else entirely", source=ApplicationSource.WEB)
        )
    assert write.duplicate
    assert write.application.goals == "Learn system design and lead a design review"
    with sessions() as session:
        stored = store.get_application(session, COHORT, "T1", Role.MENTEE)
        assert stored is not None and stored.goals.startswith("Learn system design")


def test_replacing_an_application_keeps_its_status(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        store.upsert_application(session, mentee())
        store.set_application_status(session, COHORT, "T1", Role.MENTEE, ApplicationStatus.ELIGIBLE)
    with sessions() as session, session.begin():
        write = store.upsert_application(
            session, mentee(goals="Prepare for the senior promotion"), replace=True
        )
    assert write.outcome is store.ApplicationOutcome.REPLACED
    assert write.application.goals == "Prepare for the senior promotion"
    assert write.application.status == ApplicationStatus.ELIGIBLE


def test_someone_can_apply_as_mentor_and_mentee(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        assert store.upsert_application(session, mentor("M2")).created
        assert store.upsert_application(session, mentee("M2", mentor_preferences=["M1"])).created
    with sessions() as session:
        assert {a.role for a in store.list_applications(session, COHORT)} == {"mentor", "mentee"}


def test_an_application_needs_a_known_person_and_cohort(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        with pytest.raises(store.UnknownEmployee, match="X9 is not in the directory"):
            store.upsert_application(session, mentee("X9"))
        with pytest.raises(store.UnknownCohort):
            store.upsert_application(session, mentee(cohort="no-such-cohort"))


def test_an_application_is_validated() -> None:
    with pytest.raises(ValidationError, match="capacity applies to mentors only"):
        mentee(capacity=2)
    with pytest.raises(ValidationError, match="needs a capacity"):
        mentor(capacity=None)
    cleaned = mentee(
        languages=[" English", "english", "", "German"], mentor_preferences=["M1", "M1"]
    )
    assert cleaned.languages == ["English", "German"]
    assert cleaned.mentor_preferences == ["M1"]


def test_application_status_and_reason(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        store.upsert_application(session, mentee(), at=OPENS)
    decided = OPENS + timedelta(days=1)
    reason = "tenure of 31 days is below the minimum of 90"
    for attempt in range(2):  # the second is a retry, later
        with sessions() as session, session.begin():
            application = store.set_application_status(
                session,
                COHORT,
                "T1",
                Role.MENTEE,
                ApplicationStatus.INELIGIBLE,
                reason,
                at=decided + timedelta(hours=attempt),
            )
        assert application.status == ApplicationStatus.INELIGIBLE
        assert application.status_reason == reason
        assert application.updated_at == decided
    with sessions() as session, pytest.raises(store.UnknownApplication):
        store.set_application_status(
            session, COHORT, "T1", Role.MENTOR, ApplicationStatus.WITHDRAWN
        )


def test_listing_applications_by_status_and_role(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        store.upsert_application(session, mentee("T2"), at=OPENS + timedelta(minutes=3))
        store.upsert_application(session, mentee("T1"), at=OPENS + timedelta(minutes=1))
        store.upsert_application(session, mentor("M1"), at=OPENS + timedelta(minutes=2))
        store.set_application_status(session, COHORT, "T2", Role.MENTEE, ApplicationStatus.APPROVED)
        store.set_application_status(session, COHORT, "M1", Role.MENTOR, ApplicationStatus.APPROVED)
    with sessions() as session:

        def ids(**filters: object) -> list[str]:
            found = store.list_applications(session, COHORT, **filters)  # type: ignore[arg-type]
            return [a.employee_id for a in found]

        assert ids() == ["T1", "M1", "T2"]  # oldest first
        assert ids(status=ApplicationStatus.APPROVED) == ["M1", "T2"]
        assert ids(status=[ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]) == [
            "T1",
            "M1",
            "T2",
        ]
        assert ids(status=ApplicationStatus.APPROVED, role=Role.MENTEE) == ["T2"]
        assert ids(status=[]) == []
        assert store.list_applications(session, "other-cohort") == []


def test_the_database_refuses_an_unknown_status(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        store.upsert_application(session, mentee())
    with sessions() as session, pytest.raises(IntegrityError):
        session.execute(update(Application).values(status="maybe"))
    with sessions() as session, pytest.raises(IntegrityError):
        session.execute(update(Cohort).values(status="paused"))


# --------------------------------------------------------------------------- matching runs


class Weights(BaseModel):
    expertise: float
    preference: float


def record(session: Session, result: dict[str, object], digest: str = "a" * 64) -> MatchingRun:
    return store.record_matching_run(
        session,
        COHORT,
        matching_input={"mentees": ["T1", "T2"], "mentors": ["M1"]},
        weights=Weights(expertise=1.0, preference=0.8),
        result=result,
        input_digest=digest,
        matched=len(result["pairs"]),  # type: ignore[arg-type]
        total_score=1.5,
        at=OPENS,
    )


PROPOSAL = {"pairs": [{"mentor_id": "M1", "mentee_id": "T1", "score": 1.5}]}


def test_a_matching_run_is_stored_whole_and_a_retry_does_not_repeat_it(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        first = record(session, PROPOSAL)
    with sessions() as session, session.begin():
        again = record(session, PROPOSAL)
    assert again.id == first.id
    assert count(sessions, MatchingRun) == 1
    with sessions() as session:
        run = store.latest_matching_run(session, COHORT)
        assert run is not None
        assert run.input == {"mentees": ["T1", "T2"], "mentors": ["M1"]}
        assert run.weights == {"expertise": 1.0, "preference": 0.8}
        assert run.result == PROPOSAL
        assert (run.matched, run.total_score, run.approved) == (1, 1.5, False)
        assert store.latest_matching_run(session, "other-cohort") is None


def test_the_latest_run_is_approved_once_with_its_overrides(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session, session.begin():
        old = record(session, PROPOSAL)
        new = record(session, {"pairs": []}, digest="b" * 64)  # a re-run
    overrides = {"drop": [["M1", "T1"]], "force": []}
    approved_at = OPENS + timedelta(days=15)
    with (
        sessions() as session,
        pytest.raises(store.CohortStoreError, match=f"replaced by run {new.id}"),
    ):
        store.approve_matching_run(session, old.id)
    for _ in range(2):  # approving again is a retry
        with sessions() as session, session.begin():
            run = store.approve_matching_run(session, new.id, overrides, at=approved_at)
        assert run.approved and run.approved_at == approved_at
        assert run.overrides == overrides
    with sessions() as session:
        with pytest.raises(store.CohortStoreError, match="already approved, with other"):
            store.approve_matching_run(session, new.id, {"drop": []})
        with pytest.raises(store.CohortStoreError, match="no matching run"):
            store.approve_matching_run(session, 999_999)


def test_a_cohort_has_one_approved_run(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        first = record(session, PROPOSAL)
        store.approve_matching_run(session, first.id)
        later = record(session, {"pairs": []}, digest="c" * 64)
    with (
        sessions() as session,
        pytest.raises(
            store.CohortStoreError, match=f"already has an approved run \\({first.id}\\)"
        ),
    ):
        store.approve_matching_run(session, later.id)
