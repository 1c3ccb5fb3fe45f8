"""A cohort larger than the server's pending-children limit: on a dev server
allowing 20 pending children (and suggesting continue-as-new after a few
dozen events), a 60-pair cohort starts every pair, each as its own workflow
carrying the search attributes, and closes once every pair has reported back,
its history cut into several small runs. A workflow that does hold its work as
children stops at the limit on the same server, so the limit is real."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from mentorflow import search_attributes
from mentorflow.cohorts.models import CloseRequest, CohortInput, CohortResult, ReviewDecision
from mentorflow.cohorts.states import ApplicationSource, ApplicationStatus, CohortStatus
from mentorflow.directory import import_directory
from mentorflow.models import Outcome, Role
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Mentorship
from mentorflow.temporal_bins import dev_server_path
from tests.conftest import SmtpServer
from tests.support.children import HoldsChildren, Napping
from tests.support.pairs import settings_for, worker_for
from workflows import ALL_WORKFLOWS
from workflows.cohort import CohortWorkflow

PAIRS = 60
PENDING_CHILDREN_LIMIT = 20


@pytest.fixture(scope="module")
async def small_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        search_attributes=search_attributes.ALL,
        dev_server_existing_path=str(dev_server_path()),
        dev_server_log_level="error",
        dev_server_extra_args=[
            "--dynamic-config-value",
            f"limit.numPendingChildExecutions.error={PENDING_CHILDREN_LIMIT}",
            # Continue-as-new suggested after 60 events, not 4,096: a small
            # cohort then goes through several runs.
            "--dynamic-config-value",
            "limit.historyCount.suggestContinueAsNew=60",
        ],
        ui=False,
    )
    try:
        yield env
    finally:
        await env.shutdown()


async def test_the_servers_limit_stops_a_workflow_holding_children(
    small_server: WorkflowEnvironment, task_queue: str
) -> None:
    client = small_server.client
    async with Worker(client, task_queue=task_queue, workflows=[HoldsChildren, Napping]):
        handle = await client.start_workflow(
            HoldsChildren.run, PAIRS, id=f"holds-{task_queue}", task_queue=task_queue
        )
        for _ in range(100):
            pending = (await handle.describe()).raw_description.pending_children
            if len(pending) >= PENDING_CHILDREN_LIMIT:
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        pending = (await handle.describe()).raw_description.pending_children
        assert len(pending) == PENDING_CHILDREN_LIMIT
        await handle.terminate("limit shown")


def organisation() -> str:
    rows = ["employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level"]
    rows.append("B1,boss.one@example.com,Boss One,VP,Platform,,Berlin,Europe/Berlin,2010-01-04,L8")
    rows.append("B2,boss.two@example.com,Boss Two,VP,Product,,Lisbon,Europe/Lisbon,2010-01-04,L8")
    for i in range(PAIRS):
        rows.append(
            f"R{i:03},mentor{i}@example.com,Mentor {i},Staff Engineer,Platform,B1,Berlin,"
            "Europe/Berlin,2015-01-05,L6"
        )
        rows.append(
            f"E{i:03},mentee{i}@example.com,Mentee {i},Engineer,Product,B2,Lisbon,"
            "Europe/Lisbon,2022-01-03,L2"
        )
    return "\n".join(rows) + "\n"


def applications_in_store(url: str, cohort: str, program: ProgramConfig, now) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, organisation()).errors
        cohorts.create_cohort(
            session, cohort, program, opens_at=now, closes_at=now + timedelta(days=1)
        )
        for i in range(PAIRS):
            for employee, role in ((f"R{i:03}", Role.MENTOR), (f"E{i:03}", Role.MENTEE)):
                cohorts.upsert_application(
                    session,
                    cohorts.NewApplication(
                        cohort=cohort,
                        employee_id=employee,
                        role=role,
                        capacity=1 if role is Role.MENTOR else None,
                        expertise="payments",
                        goals="payments",
                        languages=["English"],
                        source=ApplicationSource.CSV,
                    ),
                )
                cohorts.set_application_status(
                    session, cohort, employee, role, ApplicationStatus.APPROVED
                )
    engine.dispose()


async def count(client: Client, query: str) -> int:
    return (await client.count_workflows(query)).count


async def test_a_cohort_beyond_the_limit_starts_every_pair_and_closes(
    small_server: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    client = small_server.client
    cohort = f"scale-{task_queue[-8:]}"
    # Nobody confirms an introduction: every pair closes as not started
    # within seconds, so the whole cohort runs to its end.
    program = ProgramConfig(
        name="Scale test",
        program_manager_email="hr@example.com",
        introduction_timeout=timedelta(seconds=4),
    )
    now = await small_server.get_current_time()
    applications_in_store(sqlite_url, cohort, program, now)
    launch = CohortInput(
        cohort=cohort,
        program=program,
        opens_at=now,
        closes_at=now + timedelta(days=1),
        start_window=10,
        page_size=15,
    )
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(client, settings, task_queue):
        handle = await client.start_workflow(
            CohortWorkflow.run,
            launch,
            id=launch.workflow_id,
            task_queue=task_queue,
            search_attributes=search_attributes.for_cohort(cohort, program.program_name),
        )
        first_run = handle.result_run_id
        await handle.execute_update(CohortWorkflow.close_applications, CloseRequest())
        for _ in range(300):
            snap = await handle.query(CohortWorkflow.status)
            if snap.status == CohortStatus.REVIEW:
                break
            await asyncio.sleep(0.1)
        assert snap.proposal is not None and snap.proposal.matched == PAIRS
        await handle.execute_update(CohortWorkflow.review, ReviewDecision())
        result: CohortResult = await asyncio.wait_for(
            client.get_workflow_handle_for(CohortWorkflow.run, launch.workflow_id).result(),
            timeout=120,
        )
    assert result.pairs == PAIRS
    assert result.outcomes == {Outcome.NOT_STARTED: PAIRS}

    # Never a child: no run of the cohort started one, and it did continue-as-new;
    # every run, the ones resumed from CohortProgress too, replays.
    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=pydantic_data_converter)
    runs = 0
    run_id: str | None = first_run
    while run_id:
        runs += 1
        history = await client.get_workflow_handle(
            launch.workflow_id, run_id=run_id
        ).fetch_history()
        await replayer.replay_workflow(history)
        kinds = {event.event_type for event in history.events}
        assert EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED not in kinds
        last = history.events[-1]
        run_id = (
            last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
            if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
            else None
        )
    assert runs >= 2

    # Every pair recorded, closed, and findable by cohort, person and phase.
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine)() as session:
        closed = session.scalar(
            select(func.count())
            .select_from(Mentorship)
            .where(Mentorship.cohort == cohort, Mentorship.phase == "closed")
        )
    engine.dispose()
    assert closed == PAIRS
    pairs = f"WorkflowType = 'MentorshipWorkflow' AND MentorflowCohort = '{cohort}'"
    for _ in range(50):  # visibility trails the workflows by a moment
        if await count(client, f"{pairs} AND MentorflowPhase = 'closed'") == PAIRS:
            break
        await asyncio.sleep(0.2)
    assert await count(client, f"{pairs} AND MentorflowPhase = 'closed'") == PAIRS
    assert await count(client, f"{pairs} AND MentorflowPerson = 'E007'") == 1
    assert await count(client, f"{pairs} AND MentorflowProgram = 'Scale test'") == PAIRS
