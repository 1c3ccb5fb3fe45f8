"""The Temporal Schedule ``hr-digest``: an HrDigestWorkflow every day at
``MENTORFLOW_HR_DIGEST_AT`` (UTC). Created by every worker at start, updated
in place when the time changes; a run still going when the next is due makes
that one skip."""

from __future__ import annotations

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleCalendarSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
)

from mentorflow.notices.models import SCHEDULE_ID, HrDigestInput
from mentorflow.settings import Settings
from mentorflow.temporal_schedules import ensure_schedule

WORKFLOW_TYPE = "HrDigestWorkflow"


def digest_schedule(settings: Settings, task_queue: str | None = None) -> Schedule:
    at = settings.hr_digest_at
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW_TYPE,
            HrDigestInput(),
            # Temporal appends the run's time: hr-digest-2026-12-03T17:00:00Z.
            id=SCHEDULE_ID,
            task_queue=task_queue or settings.temporal_task_queue,
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=[ScheduleRange(at.hour)],
                    minute=[ScheduleRange(at.minute)],
                    comment="the HR notices of the day, one email per program and manager",
                )
            ],
            time_zone_name="UTC",
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_digest_schedule(
    client: Client, settings: Settings, task_queue: str | None = None
) -> bool | None:
    """Creates or updates ``hr-digest``; True when created (None: the server
    has no schedules)."""
    return await ensure_schedule(client, SCHEDULE_ID, digest_schedule(settings, task_queue))
