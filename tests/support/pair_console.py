"""The HR console over a real pair: the seeded programs (tests.support.hr),
a worker on the time-skipping server, the SMTP server, and the web app on
the same Temporal client, with helpers that drive a pair until it is at risk."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import CheckInAnswer, MeetingStatus, MentorshipSnapshot, ProgramSettings
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import SmtpServer
from tests.support.hr import ANNA, COHORT_A, PROGRAM_A, Console, hr_console, worker_settings
from tests.support.pairs import (
    MENTEE,
    MENTOR,
    agree_goals,
    introduce,
    snapshot,
    start_pair,
    worker_for,
)
from workflows.mentorship import MentorshipWorkflow

#: A program A cohort whose file lets HR read what pairs write.
COHORT_OPEN_BOOK = "eng-2027-open-book"
SECRET = "SECRET-NOTE-about-my-manager"
PROGRAM = ProgramSettings(
    program_name=PROGRAM_A,
    program_manager_email=ANNA,
    cadence="biweekly",
    duration=timedelta(days=182),
    at_risk_streak=2,
)


@dataclass(frozen=True)
class PairConsole:
    console: Console
    env: WorkflowEnvironment
    smtp: SmtpServer
    task_queue: str


def _seed_open_book_cohort(db_url: str) -> None:
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        program = ProgramConfig(name=PROGRAM_A, program_manager_email=ANNA, hr_reads_answers=True)
        cohorts.create_cohort(
            session, COHORT_OPEN_BOOK, program, opens_at=now, closes_at=now + timedelta(days=14)
        )
    engine.dispose()


@asynccontextmanager
async def pair_console(
    tmp_path: Path, db_url: str, env: WorkflowEnvironment, smtp: SmtpServer, task_queue: str
) -> AsyncIterator[PairConsole]:
    async with (
        hr_console(
            tmp_path, db_url, env.client, **worker_settings(smtp.port, task_queue)
        ) as console,
        worker_for(env.client, console.settings, task_queue),
    ):
        _seed_open_book_cohort(db_url)
        yield PairConsole(console, env, smtp, task_queue)


def the_mentee_writes(number: int) -> CheckInAnswer:
    """The mentee did not meet, and wrote why: words for the pair, not HR."""
    return CheckInAnswer(
        by=MENTEE.employee_id, number=number, met=MeetingStatus.NO, value=2, notes=SECRET
    )


async def drive(
    lab: PairConsole,
    handle: WorkflowHandle,
    until: Callable[[MentorshipSnapshot], bool],
    within: float = 60.0,
) -> MentorshipSnapshot:
    """Skips time to each next deadline; the mentee answers check-in 1 with
    a note, nobody answers later ones, so the pair goes at risk at check-in 2."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + within
    while loop.time() < give_up:
        snap = await snapshot(handle)
        if until(snap):
            return snap
        one = next((v for v in snap.checkins if v.number == 1), None)
        if one and MENTEE.employee_id in one.open_for and MENTEE.employee_id not in one.answered_by:
            await handle.execute_update(MentorshipWorkflow.answer_checkin, the_mentee_writes(1))
            continue
        if snap.steps_in_flight:
            await asyncio.sleep(0.02)
            continue
        now = await lab.env.get_current_time()
        if snap.next_event_at and snap.next_event_at > now:
            await lab.env.sleep(snap.next_event_at - now + timedelta(seconds=1))
        else:
            await asyncio.sleep(0.02)
    raise AssertionError("the pair did not reach the state in time")


async def pair_at_risk(lab: PairConsole, cohort: str = COHORT_A) -> WorkflowHandle:
    handle = await start_pair(lab.env.client, lab.task_queue, PROGRAM, cohort=cohort)
    await introduce(handle)
    await agree_goals(handle)
    await drive(lab, handle, lambda s: s.at_risk and not s.steps_in_flight)
    return handle


__all__ = ["MENTEE", "MENTOR", "PairConsole", "drive", "pair_at_risk", "pair_console"]
