"""Evergreen programs on the dev server: applications matched in rounds over
everyone waiting. A mentee whose introduction was declined, or who ended
early asking for a new mentor, is matched again in the next round, never
with the same mentor; a mentor with room left stays in the pool; the
Schedule opens rounds by itself, and a program that says so approves them
without HR, the reason stored."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from mentorflow.cohorts.models import ReviewDecision
from mentorflow.cohorts.rounds import RoundSnapshot, round_workflow_id, rounds_schedule_id
from mentorflow.cohorts.states import ApplicationStatus, RoundStatus
from mentorflow.directory import import_directory
from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr import rounds as hr_rounds
from mentorflow.hr.applications import import_applications
from mentorflow.hr.audited import Actor
from mentorflow.hr.errors import Refused
from mentorflow.models import EndRequest, IntroductionAnswer, Outcome, mentorship_workflow_id
from mentorflow.program import ProgramConfig
from mentorflow.settings import Settings
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Application, Mentorship
from tests.conftest import SmtpServer
from tests.support.pairs import settings_for, worker_for
from workflows.mentorship import MentorshipWorkflow

T = TypeVar("T")
HR = Actor(who="hr@example.com")

DIRECTORY = """employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level
B1,boss@example.com,Bo Boss,VP,Platform,,Berlin,Europe/Berlin,2010-01-04,L8
R1,rita@example.com,Rita One,Staff Engineer,Platform,B1,Berlin,Europe/Berlin,2015-01-05,L6
R2,raj@example.com,Raj Two,Staff Engineer,Platform,B1,Berlin,Europe/Berlin,2015-01-05,L6
R3,rosa@example.com,Rosa Three,Staff Engineer,Platform,B1,Berlin,Europe/Berlin,2015-01-05,L6
E1,eli@example.com,Eli One,Engineer,Product,B1,Berlin,Europe/Berlin,2022-01-03,L2
E2,emma@example.com,Emma Two,Engineer,Product,B1,Berlin,Europe/Berlin,2022-01-03,L2
"""
# Round 1 pairs R1–E1 (payments) and R2–E2 (kubernetes); R3 (gardening)
# waits with room.
APPLICATIONS = (
    "employee_id,role,capacity,expertise,goals,interests,preferred_cadence,languages,"
    "mentor_preferences,notes\n"
    """R1,mentor,1,payments ledgers,,,,English,,
R2,mentor,1,kubernetes operators,,,,English,,
R3,mentor,1,gardening and compost,,,,English,,
E1,mentee,,,payments ledgers,,,English,,
E2,mentee,,,kubernetes operators,,,English,,
"""
)


def evergreen(**fields: object) -> ProgramConfig:
    return ProgramConfig.model_validate(
        {
            "name": "Evergreen test",
            "program_manager_email": "hr@example.com",
            "intake": "evergreen",
            "introduction_timeout": "PT60S",
            **fields,
        }
    )


async def until(read: Callable[[], T], ok: Callable[[T], bool], within: float = 30) -> T:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = read()
        if ok(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached: {value!r}")
        await asyncio.sleep(0.1)


def pairs_of(sessions: sessionmaker[Session], cohort: str) -> dict[tuple[str, str], str | None]:
    with sessions() as session:
        rows = session.execute(
            select(Mentorship.mentor_id, Mentorship.mentee_id, Mentorship.outcome).where(
                Mentorship.cohort == cohort
            )
        )
        return {(mentor, mentee): outcome for mentor, mentee, outcome in rows}


def statuses(sessions: sessionmaker[Session], cohort: str) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(Application.status).where(Application.cohort == cohort)))


async def round_result(client: Client, cohort: str, number: int) -> RoundSnapshot:
    handle = client.get_workflow_handle(
        round_workflow_id(cohort, number), result_type=RoundSnapshot
    )
    return await asyncio.wait_for(handle.result(), timeout=60)


async def reviewed_round(
    sessions: sessionmaker[Session], client: Client, queue: str, cohort: str
) -> RoundSnapshot:
    """HR runs a round now and approves its proposal; the round's end."""
    opened = await hr_rounds.run_round(sessions, client, queue, cohort, actor=HR)
    for _ in range(300):
        snap = await hr_rounds.round_status(client, cohort, opened.number)
        if snap.status in (RoundStatus.REVIEW, RoundStatus.EMPTY):
            break
        await asyncio.sleep(0.1)
    if snap.status == RoundStatus.REVIEW:
        await hr_rounds.review_round(
            sessions, client, cohort, opened.number, ReviewDecision(), actor=HR
        )
    return await round_result(client, cohort, opened.number)


async def launched_intake(
    sessions: sessionmaker[Session],
    client: Client,
    queue: str,
    cohort: str,
    program: ProgramConfig,
    tmp_path: Path,
) -> None:
    with sessions.begin() as session:
        assert not import_directory(session, DIRECTORY).errors
    await hr_cohorts.launch_cohort(sessions, client, queue, program, cohort, actor=HR)
    csv = tmp_path / "applications.csv"
    csv.write_text(APPLICATIONS)
    report = await import_applications(sessions, client, queue, cohort, csv, actor=HR)
    assert report.ok and len(report.submitted) == 5, report
    await until(lambda: statuses(sessions, cohort), lambda s: s == {ApplicationStatus.APPROVED})


@pytest.fixture
def sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str, smtp_server: SmtpServer) -> Settings:
    return settings_for(tmp_path, sqlite_url, smtp_server.port)


async def test_a_declined_mentee_and_one_asking_for_a_new_mentor_are_matched_again(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sessions: sessionmaker[Session],
    settings: Settings,
    task_queue: str,
    tmp_path: Path,
) -> None:
    client = dev_env.client
    cohort = f"ever-{task_queue[-8:]}"
    async with worker_for(client, settings, task_queue):
        await launched_intake(sessions, client, task_queue, cohort, evergreen(), tmp_path)

        first = await reviewed_round(sessions, client, task_queue, cohort)
        assert first.status == RoundStatus.DONE and first.pairs_started == 2
        assert set(pairs_of(sessions, cohort)) == {("R1", "E1"), ("R2", "E2")}
        # Both were introduced; only the matched heard: R3 is still in the
        # pool, their application open, told nothing.
        await smtp_server.recorder.wait_for(
            lambda m: str(m["Subject"]) == "Meet Rita One, your mentor in Evergreen test"
        )
        with sessions() as session:
            r3 = session.scalar(select(Application.status).where(Application.employee_id == "R3"))
        assert r3 == ApplicationStatus.APPROVED

        # E1 declines the introduction to R1: the pair closes, E1 waits again.
        pair = client.get_workflow_handle(mentorship_workflow_id(cohort, "R1", "E1"))
        await pair.execute_update(
            MentorshipWorkflow.confirm_introduction,
            IntroductionAnswer(by="E1", accept=False, reason="Not what I need right now."),
        )
        await until(lambda: pairs_of(sessions, cohort)[("R1", "E1")], lambda o: o is not None)
        assert pairs_of(sessions, cohort)[("R1", "E1")] == Outcome.DECLINED.value

        # Round 2: E1 again, with R3 (R1 has room again but was E1's before).
        second = await reviewed_round(sessions, client, task_queue, cohort)
        assert second.pairs_started == 1
        assert ("R3", "E1") in pairs_of(sessions, cohort)

        # E2 ends early asking for a new mentor; R1 (free) is the one left.
        pair = client.get_workflow_handle(mentorship_workflow_id(cohort, "R2", "E2"))
        receipt = await pair.execute_update(
            MentorshipWorkflow.end_early,
            EndRequest(by="E2", reason="Our schedules never meet.", wants_new_mentor=True),
        )
        assert "new mentor" in receipt.message
        await until(lambda: pairs_of(sessions, cohort)[("R2", "E2")], lambda o: o is not None)
        third = await reviewed_round(sessions, client, task_queue, cohort)
        assert third.pairs_started == 1
        pairs = pairs_of(sessions, cohort)
        assert ("R1", "E2") in pairs

        # Nobody left to match: the round says so, and nobody is paired twice.
        fourth = await reviewed_round(sessions, client, task_queue, cohort)
        assert fourth.status == RoundStatus.EMPTY and "Nobody could be matched" in fourth.note
        assert len(pairs_of(sessions, cohort)) == 4

        listed = hr_rounds.list_rounds(sessions, cohort)
        assert [r.number for r in listed] == [4, 3, 2, 1]
        assert [r.pairs for r in listed] == [0, 1, 1, 2]
        assert listed[-1].requested_by == HR.who


async def test_rounds_run_on_the_schedule_and_auto_approve_with_the_reason_kept(
    dev_env: WorkflowEnvironment,
    sessions: sessionmaker[Session],
    settings: Settings,
    task_queue: str,
    tmp_path: Path,
) -> None:
    client = dev_env.client
    cohort = f"auto-{task_queue[-8:]}"
    program = evergreen(rounds={"every": "PT3S", "auto_approve": True})
    async with worker_for(client, settings, task_queue):
        await launched_intake(sessions, client, task_queue, cohort, program, tmp_path)
        schedule = await client.get_schedule_handle(rounds_schedule_id(cohort)).describe()
        assert schedule.schedule.spec.intervals[0].every == timedelta(seconds=3)

        # The first tick comes within seconds: round 1 opens by itself.
        await until(lambda: hr_rounds.list_rounds(sessions, cohort), bool, within=20)
        first = await round_result(client, cohort, 1)
        assert first.status == RoundStatus.DONE and first.auto_approved
        assert "rounds.auto_approve" in first.note
        listed = hr_rounds.list_rounds(sessions, cohort)
        oldest = listed[-1]
        assert oldest.trigger.value == "schedule" and oldest.auto_approved
        assert oldest.note == first.note and oldest.pairs == 2

        # HR closes the intake: no more rounds, the schedule is gone.
        await hr_cohorts.close_applications(sessions, client, cohort, actor=HR)
        try:
            await hr_rounds.run_round(sessions, client, task_queue, cohort, actor=HR)
        except Refused as exc:
            assert "runs no more rounds" in str(exc)
        else:  # pragma: no cover - the assertion is the point
            raise AssertionError("a round opened in a closed intake")
        schedules = [s.id async for s in await client.list_schedules()]
        assert rounds_schedule_id(cohort) not in schedules
