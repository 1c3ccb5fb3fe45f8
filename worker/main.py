"""The worker process: one Temporal client, the activities built once with
their engine and SMTP pool, and every workflow of mentorflow registered on the
task queue from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio.client import Client
from temporalio.worker import Worker

from activities.alumni import AlumniActivities
from activities.applications import ApplicationActivities
from activities.cohort import CohortActivities
from activities.email import EmailActivities
from activities.hr_notices import HrNoticeActivities
from activities.hris import HrisActivities
from activities.kept_answers import KeptAnswerActivities
from activities.pair_starts import PairStartActivities
from activities.rounds import RoundActivities
from activities.store import StoreActivities
from mentorflow.hris.schedule import ensure_sync_schedule
from mentorflow.notices.schedule import ensure_digest_schedule
from mentorflow.settings import Settings
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade
from worker.bytecode import compile_workflows
from workflows import ALL_WORKFLOWS


@asynccontextmanager
async def running_worker(
    client: Client, settings: Settings, task_queue: str | None = None
) -> AsyncIterator[Worker]:
    """Run a worker for the duration of the block, then shut it down cleanly
    (in-flight activities finish) and release the database and SMTP pool."""
    upgrade(settings.resolved_database_url)
    compile_workflows()
    engine = make_engine(settings.resolved_database_url)
    sessions = make_sessionmaker(engine)
    email = EmailActivities(settings, sessions)
    store = StoreActivities(sessions)
    applications = ApplicationActivities(sessions)
    cohort = CohortActivities(sessions)
    hris = HrisActivities(settings, sessions)
    queue = task_queue or settings.temporal_task_queue
    alumni = AlumniActivities(sessions, queue)
    notices = HrNoticeActivities(sessions, email)
    kept = KeptAnswerActivities(sessions)
    pair_starts = PairStartActivities(sessions, queue)
    round_steps = RoundActivities(sessions, queue)
    worker = Worker(
        client,
        task_queue=queue,
        workflows=ALL_WORKFLOWS,
        max_cached_workflows=settings.worker_max_cached_workflows,
        max_concurrent_activities=settings.worker_max_concurrent_activities,
        max_concurrent_workflow_tasks=settings.worker_max_concurrent_workflow_tasks,
        activities=[
            email.send_email,
            *store.activities,
            *applications.activities,
            *cohort.activities,
            *hris.activities,
            *alumni.activities,
            *notices.activities,
            *kept.activities,
            *pair_starts.activities,
            *round_steps.activities,
        ],
    )
    if settings.hris_source is not None:
        # The recurring directory sync runs wherever a worker is configured for it.
        await ensure_sync_schedule(client, settings, task_queue)
    # HR notices go out as one digest a day, wherever a worker runs.
    await ensure_digest_schedule(client, settings, task_queue)
    try:
        async with worker:
            yield worker
    finally:
        await email.close()
        engine.dispose()
