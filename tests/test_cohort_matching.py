"""A cohort's matching run built from the store, on SQLite and PostgreSQL:
the example organisation, program and applications of ``examples/``."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from mentorflow.cohorts.matching import build_matching_input, level_rank, run_matching
from mentorflow.cohorts.models import PairRef
from mentorflow.cohorts.plan import mentorship_inputs, pair_settings
from mentorflow.cohorts.states import ApplicationSource, ApplicationStatus
from mentorflow.directory import import_directory, reporting_chain
from mentorflow.models import AlumniPromise, Role
from mentorflow.program import load_program
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
COHORT = "eng-2027-spring"


def example_applications() -> list[cohorts.NewApplication]:
    program = load_program(EXAMPLES / "program.yaml")
    applications = []
    with (EXAMPLES / "applications.csv").open(newline="") as rows:
        for row in csv.DictReader(rows):
            roles = [Role.MENTOR, Role.MENTEE] if row["role"] == "both" else [Role(row["role"])]
            for role in roles:
                capacity = int(row["capacity"] or program.default_mentor_capacity)
                applications.append(
                    cohorts.NewApplication(
                        cohort=COHORT,
                        employee_id=row["employee_id"],
                        role=role,
                        capacity=capacity if role is Role.MENTOR else None,
                        expertise=row["expertise"],
                        goals=row["goals"],
                        interests=row["interests"],
                        preferred_cadence=row["preferred_cadence"],
                        languages=[x for x in row["languages"].split(";") if x],
                        mentor_preferences=[x for x in row["mentor_preferences"].split(";") if x],
                        source=ApplicationSource.CSV,
                    )
                )
    return applications


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, EXAMPLES / "directory.csv").errors
        start = datetime(2027, 1, 4, 9, tzinfo=UTC)
        program = load_program(EXAMPLES / "program.yaml")
        cohorts.create_cohort(
            session, COHORT, program, opens_at=start - timedelta(days=14), closes_at=start
        )
        for application in example_applications():
            cohorts.upsert_application(session, application)
            cohorts.set_application_status(
                session,
                COHORT,
                application.employee_id,
                application.role,
                ApplicationStatus.APPROVED,
            )
        yield session
    engine.dispose()


def test_the_input_comes_from_the_pool_and_the_directory(session: Session) -> None:
    problem = build_matching_input(session, COHORT)
    assert problem.mentees and problem.mentors
    assert problem.reference_time == datetime(2027, 1, 4, 9, tzinfo=UTC)
    mentee = problem.mentees[0]
    assert mentee.manager_chain == reporting_chain(session, mentee.employee_id)
    both = {m.employee_id for m in problem.mentors} & {m.employee_id for m in problem.mentees}
    assert both, "people who applied as both are in both pools"


def test_only_approved_applications_are_matched(session: Session) -> None:
    first = cohorts.list_applications(session, COHORT, role=Role.MENTEE)[0]
    cohorts.set_application_status(
        session, COHORT, first.employee_id, Role.MENTEE, ApplicationStatus.WITHDRAWN
    )
    problem = build_matching_input(session, COHORT)
    assert first.employee_id not in {m.employee_id for m in problem.mentees}


def test_a_run_respects_the_reporting_line_and_is_recorded_once(session: Session) -> None:
    outcome = run_matching(session, COHORT)
    result = outcome.result
    assert result.matched_count == len(result.pairs) > 0
    for pair in result.pairs:
        assert pair.mentor_id not in reporting_chain(session, pair.mentee_id)
        assert pair.mentee_id not in reporting_chain(session, pair.mentor_id)
        assert pair.mentor_id != pair.mentee_id
    stored = cohorts.latest_matching_run(session, COHORT)
    assert stored is not None and stored.id == outcome.run_id
    assert stored.input_digest == result.input_digest and stored.matched == result.matched_count
    # The same pool again is the same run: reproducible and recorded once.
    assert run_matching(session, COHORT).run_id == outcome.run_id


def test_levels_rank_by_the_ladder_or_their_digits(session: Session) -> None:
    program = load_program(EXAMPLES / "program.yaml")
    assert level_rank(program, "L5") == program.levels.index("L5")
    no_ladder = program.model_copy(update={"levels": []})
    assert level_rank(no_ladder, "L5") == 5
    assert level_rank(no_ladder, "Staff") == 0


def test_preferred_cadences_reach_the_matching_and_the_explanation(session: Session) -> None:
    problem = build_matching_input(session, COHORT)
    assert {m.employee_id: m.preferred_cadence for m in problem.mentors}["E014"] == "monthly"
    assert {m.employee_id: m.preferred_cadence for m in problem.mentees}["E017"] == "weekly"
    result = run_matching(session, COHORT).result
    for pair in result.pairs:
        cadence = {c.criterion: c for c in pair.explanation}["cadence"]
        mentor = next(m for m in problem.mentors if m.employee_id == pair.mentor_id)
        mentee = next(m for m in problem.mentees if m.employee_id == pair.mentee_id)
        agree = bool(mentee.preferred_cadence) and mentee.preferred_cadence == (
            mentor.preferred_cadence
        )
        assert cadence.value == (1.0 if agree else 0.0)
        if agree:
            assert cadence.text == f"Both would like to meet {mentee.preferred_cadence}."


def test_a_pair_meets_at_the_cadence_both_asked_for_when_the_program_lets_them(
    session: Session,
) -> None:
    agreeing = PairRef(mentor_id="E014", mentee_id="E038")  # both monthly
    apart = PairRef(mentor_id="E014", mentee_id="E017")  # monthly / weekly
    [same, other] = mentorship_inputs(session, COHORT, [agreeing, apart])
    assert same.program.cadence == other.program.cadence == "biweekly"  # off by default

    cohort = cohorts.get_cohort(session, COHORT)
    cohort.program = cohort.program | {"cadence_from_applications": True}
    session.flush()
    [same, other] = mentorship_inputs(session, COHORT, [agreeing, apart])
    assert same.program.cadence == "monthly"
    assert other.program.cadence == "biweekly"


def test_each_pair_knows_the_programs_alumni_invitations(session: Session) -> None:
    """So that its graduation email promises an invitation only when the
    closing cohort sends one."""
    pair = PairRef(mentor_id="E014", mentee_id="E038")
    (started,) = mentorship_inputs(session, COHORT, [pair])
    assert started.alumni == AlumniPromise(enabled=True, min_value_rating=4.0)
    cohort = cohorts.get_cohort(session, COHORT)
    cohort.program = cohort.program | {"alumni": {"enabled": False}}
    session.flush()
    (started,) = mentorship_inputs(session, COHORT, [pair])
    assert started.alumni is not None and not started.alumni.enabled


def test_a_preferred_cadence_the_program_windows_cannot_fit_is_not_used() -> None:
    program = load_program(EXAMPLES / "program.yaml").model_copy(
        update={"cadence_from_applications": True, "checkin_window": timedelta(days=10)}
    )
    settings = program.mentorship_settings()
    assert pair_settings(program, settings, "weekly", "weekly") is settings
    assert pair_settings(program, settings, "monthly", "Monthly").cadence == "monthly"
    assert pair_settings(program, settings, "", "").cadence == "biweekly"
    demo = program.model_copy(update={"cadence": "PT30S", "checkin_window": timedelta(seconds=20)})
    assert pair_settings(demo, demo.mentorship_settings(), "weekly", "weekly").cadence == "PT30S"
