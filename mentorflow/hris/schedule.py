"""The Temporal Schedule ``hris-sync``: a HrisSyncWorkflow every
``MENTORFLOW_HRIS_SYNC_INTERVAL``. Created by the worker at start when an HRIS
is configured, updated in place when the interval changes; a run still going
when the next is due makes that one skip, so two syncs never overlap."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from mentorflow.hris.models import SCHEDULE_ID, HrisSyncInput
from mentorflow.settings import Settings
from mentorflow.temporal_schedules import ensure_schedule

WORKFLOW_TYPE = "HrisSyncWorkflow"


def sync_schedule(settings: Settings, task_queue: str | None = None) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW_TYPE,
            HrisSyncInput(),
            # Temporal appends the run's time: hris-sync-2026-11-25T10:00:00Z.
            id=SCHEDULE_ID,
            task_queue=task_queue or settings.temporal_task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=settings.hris_sync_interval)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_sync_schedule(
    client: Client, settings: Settings, task_queue: str | None = None
) -> bool:
    """Creates the schedule, or brings an existing one up to date with the
    settings; returns True when it was created."""
    return bool(await ensure_schedule(client, SCHEDULE_ID, sync_schedule(settings, task_queue)))
