"""Temporal Schedules the worker keeps in place (``hris-sync``, ``hr-digest``):
created at start, or brought up to date with the settings when they exist."""

from __future__ import annotations

import logging

from temporalio.client import (
    Client,
    Schedule,
    ScheduleAlreadyRunningError,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

log = logging.getLogger(__name__)


async def ensure_schedule(client: Client, schedule_id: str, schedule: Schedule) -> bool | None:
    """Creates the schedule, or updates an existing one in place; True when it
    was created, None when the server has no schedules at all (the
    time-skipping test server), so a worker still starts there."""
    try:
        await client.create_schedule(schedule_id, schedule)
        return True
    except ScheduleAlreadyRunningError:

        def updated(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(updated)
        return False
    except RPCError as exc:
        if exc.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        log.info("this Temporal server has no schedules: %s is not set up", schedule_id)
        return None
