"""The console's read model from real stored rows (SQLite and PostgreSQL):
the roll-up's figures, a person's history, a cohort's network and its
engagement per week, checked against what ``seed_insights`` wrote."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentorflow.report import build_report
from mentorflow.reporting.engagement import cohort_engagement
from mentorflow.reporting.figures import cohort_figures
from mentorflow.reporting.network import cohort_network
from mentorflow.reporting.people import person_history, search_people
from mentorflow.reporting.programs import rollup
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.support.answers import COHORT as ANSWERS_COHORT
from tests.support.answers import cohort_with_answers
from tests.support.hr import COHORT_A, COHORT_B, PROGRAM_A, PROGRAM_B, seed_programs
from tests.support.insights import (
    INTRODUCTION,
    PAIR_ANA,
    PAIR_HAL,
    PRIVATE_TEXT,
    seed_insights,
)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    seed_programs(db_url)
    seed_insights(db_url)
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


def test_the_rollup_sums_cohorts_and_programs(session: Session) -> None:
    everything = rollup(session, None)
    a, b = everything.programs
    assert (a.name, b.name) == (PROGRAM_A, PROGRAM_B)
    cohort_a = a.cohorts[0].figures
    assert a.cohorts[0].cohort.name == COHORT_A
    assert cohort_a.participants == 3  # Bo, Ana, Hal
    assert (cohort_a.matched_mentees, cohort_a.eligible_mentees) == (2, 3)
    assert cohort_a.match_rate == 0.6667
    assert (cohort_a.checkins_sent, cohort_a.answers) == (4, 4)
    assert cohort_a.response_rate == 0.5
    assert cohort_a.mean_value == 3.5  # 4, 5, 2, 3
    assert (cohort_a.graduates, cohort_a.early_ends) == (1, 0)
    cohort_b = b.cohorts[0].figures
    assert b.cohorts[0].cohort.name == COHORT_B
    assert cohort_b.match_rate is None and cohort_b.response_rate == 1.0
    assert everything.all_programs is not None
    assert everything.all_programs.participants == 5
    assert everything.all_programs.response_rate == 0.6  # 6 of 10 asked
    assert everything.all_programs.mean_value == 4.0
    # A manager's roll-up: their program, no total of all programs.
    mine = rollup(session, [PROGRAM_B])
    assert [p.name for p in mine.programs] == [PROGRAM_B] and mine.all_programs is None


def test_people_are_found_by_part_of_name_email_or_id(session: Session) -> None:
    assert [p.employee_id for p in search_people(session, "applic")] == ["A1"]
    assert [p.employee_id for p in search_people(session, "A1@EXAMPLE")] == ["A1"]
    assert [p.employee_id for p in search_people(session, "b2")] == ["B2"]
    assert search_people(session, "%") == [] and search_people(session, "  ") == []


def test_a_person_history_is_scoped(session: Session) -> None:
    bo = person_history(session, "B2", None)
    assert bo is not None and bo.manager is not None and bo.manager.employee_id == "M1"
    assert {(m.id, m.role, m.partner_id) for m in bo.mentorships} == {
        (PAIR_ANA, "mentor", "A1"),
        (PAIR_HAL, "mentor", "H1"),
    }
    assert [(a.cohort, a.role) for a in bo.applications] == [(COHORT_A, "mentor")]
    outside = person_history(session, "B2", [PROGRAM_B])
    assert outside is not None and not outside.mentorships and not outside.applications
    assert person_history(session, "nobody", None) is None


def test_the_network_counts_without_the_words(session: Session) -> None:
    network = cohort_network(session, COHORT_A, shows_text=False)
    assert (network.introductions, network.pairs_with_introductions) == (1, 1)
    assert (network.decisions, network.challenges, network.pairs_with_challenges) == (1, 2, 2)
    # "deadline" is in both pairs' challenges; "migration" in one only.
    assert [(t.word, t.pairs) for t in network.themes] == [("deadline", 2)]
    assert network.written == []
    assert PRIVATE_TEXT not in network.model_dump_json()
    shown = cohort_network(session, COHORT_A, shows_text=True)
    assert {w.text for w in shown.written} >= {INTRODUCTION, PRIVATE_TEXT}


def test_engagement_per_week(session: Session) -> None:
    weeks = cohort_engagement(session, COHORT_A, datetime.now(UTC).date()).weeks
    assert [(w.number, w.sent, w.answered, w.held, w.mean_value, w.at_risk) for w in weeks] == [
        (1, 0, 0, 0, None, 0),
        (2, 2, 2, 1, 3.67, 0),
        (3, 2, 1, 1, 3.0, 1),  # Hal: not met, then missed
    ]


def test_the_network_and_the_report_count_alike(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            cohort_with_answers(session)
            report = build_report(session, ANSWERS_COHORT, datetime.now(UTC))
            network = cohort_network(session, ANSWERS_COHORT, shows_text=False)
    finally:
        engine.dispose()
    assert network.introductions == report.checkins_with_introductions == 2
    assert network.decisions == report.checkins_with_decisions
    assert network.challenges == report.checkins_with_blockers  # no challenges there


def test_the_rollup_asks_the_store_a_fixed_number_of_times(session: Session) -> None:
    """Five grouped queries for the figures, whatever the number of cohorts."""
    statements: list[str] = []
    engine = session.get_bind()
    listen = event.listens_for(engine, "before_cursor_execute")
    listen(lambda *args: statements.append(args[2]))
    one = len(statements)
    cohort_figures(session, [COHORT_A])
    per_one = len(statements) - one
    mark = len(statements)
    cohort_figures(session, [COHORT_A, COHORT_B, *(f"missing-{n}" for n in range(50))])
    assert len(statements) - mark == per_one == 5
