"""The HR console with everything a cohort needs behind it: the seeded
programs of ``tests.support.hr``, a few more people in the directory, the
dev Temporal server and a worker on the test's own task queue, so pages and
API routes launch, close and approve for real.

The cohort is small (three mentees, two mentors) and its people are chosen
so that matching proposes three pairs and one pair HR might force breaks
the reporting-line rule: Dana (D4) manages Eve (E5)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from mentorflow.cohorts.review import application_counts
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.directory import import_directory
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.support.applications import DIRECTORY
from tests.support.hr import ANNA, Console, hr_console, worker_settings
from tests.support.pairs import worker_for

MORE_PEOPLE = "".join(
    f"{row}\n"
    for row in (
        "C3,cleo.coder@example.com,Cleo Coder,Analyst,Data,M1,Lisbon,Europe/Lisbon,2021-01-04,L2",
        "D4,dana.ops@example.com,Dana Ops,Principal Engineer,Security,,Berlin,Europe/Berlin,"
        "2014-02-03,L6",
        "E5,eve.ever@example.com,Eve Ever,Designer,Design,D4,Berlin,Europe/Berlin,2022-05-02,L3",
    )
)

#: Program A as Anna's file names it.
PROGRAM_FILE = f"""name: Engineering Mentoring
program_manager_email: {ANNA}
managers: [alex.second@corp.example]
default_mentor_capacity: 2
""".encode()

#: A broken program file: its problems by line, as ``program check`` prints them.
BROKEN_PROGRAM_FILE = f"""name: Engineering Mentoring
program_manager_email: {ANNA}
cadence: fortnightly-ish
default_mentor_capacity: 0
""".encode()

#: Three mentees and two mentors; line 3 is malformed (an unknown role).
APPLICATIONS = b"""employee_id,role,capacity,expertise,goals,languages
B2,mentor,1,"Payments, staff engineering",,English
X9,boss,,,,English
D4,mentor,2,"Security engineering, threat modelling",,English
A1,mentee,,,"Grow towards senior engineer",English
C3,mentee,,,"Learn data engineering",English
E5,mentee,,,"Security for designers",English
"""


def seed_cohort_people(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            assert not import_directory(session, DIRECTORY + MORE_PEOPLE).errors
    finally:
        engine.dispose()


@asynccontextmanager
async def cohort_console(
    tmp_path: Path, db_url: str, env: WorkflowEnvironment, smtp_port: int, task_queue: str
) -> AsyncIterator[Console]:
    seed_cohort_people(db_url)
    async with (
        hr_console(
            tmp_path, db_url, env.client, **worker_settings(smtp_port, task_queue)
        ) as console,
        worker_for(env.client, console.settings, task_queue),
    ):
        yield console


def counts(db_url: str, cohort: str) -> dict[ApplicationStatus, int]:
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as session:
            return application_counts(session, cohort)
    finally:
        engine.dispose()


def cohort_status(db_url: str, cohort: str) -> str | None:
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as session:
            row = cohorts.get_cohort(session, cohort)
            return row.status if row else None
    finally:
        engine.dispose()


async def eventually(check: Callable[[], bool], within: float = 30.0) -> None:
    for _ in range(int(within / 0.2)):
        if check():
            return
        await asyncio.sleep(0.2)
    assert check(), "not within the wait"


def in_pool(db_url: str, cohort: str, people: int) -> Callable[[], bool]:
    return lambda: counts(db_url, cohort)[ApplicationStatus.APPROVED] == people


async def end_cohort(env: WorkflowEnvironment, cohort: str) -> None:
    """The pairs run for months: end them so the shared dev server stays quiet."""
    query = f"WorkflowId STARTS_WITH 'mentorship:{cohort}:' AND ExecutionStatus = 'Running'"
    with contextlib.suppress(RPCError):
        async for execution in env.client.list_workflows(query):
            await env.client.get_workflow_handle(execution.id).terminate("test over")
    with contextlib.suppress(RPCError):
        await env.client.get_workflow_handle(f"cohort:{cohort}").terminate("test over")
