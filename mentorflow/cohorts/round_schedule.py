"""The Temporal Schedule ``rounds:{cohort}`` of an evergreen intake: a
``RoundDueWorkflow`` every ``rounds.every``, which opens the next matching
round unless the last one is still open. Created when the intake is
launched, deleted when HR closes it; a tick still running when the next is
due makes that one skip."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.cohorts.rounds import RoundDue, rounds_schedule_id
from mentorflow.temporal_schedules import ensure_schedule

WORKFLOW_TYPE = "RoundDueWorkflow"


def rounds_schedule(cohort: str, every: timedelta, task_queue: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            WORKFLOW_TYPE,
            RoundDue(cohort=cohort),
            # Temporal appends the tick's time: round-due:{cohort}-2027-01-04T09:00:00Z.
            id=f"round-due:{cohort}",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_rounds_schedule(
    client: Client, cohort: str, every: timedelta, task_queue: str
) -> bool | None:
    return await ensure_schedule(
        client, rounds_schedule_id(cohort), rounds_schedule(cohort, every, task_queue)
    )


async def remove_rounds_schedule(client: Client, cohort: str) -> None:
    """Deletes the intake's schedule; one that is not there is fine."""
    try:
        await client.get_schedule_handle(rounds_schedule_id(cohort)).delete()
    except RPCError as exc:
        if exc.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.UNIMPLEMENTED):
            raise
