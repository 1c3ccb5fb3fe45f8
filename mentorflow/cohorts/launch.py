"""Launching a cohort so that "launched" means running.

A program can pass ``program check`` and still be one the cohort workflow
cannot run: a date past the calendar, an input the worker cannot decode, a
worker that does not know the workflow. Temporal then retries the first
workflow task forever while the launch says "launched". So a launch is checked
twice: before the start (``prepare_launch``: the timeline fits the calendar and
the input reads back as sent), and after it (``confirm_running``: the first
workflow task completed); a cohort that does not run is terminated and its
row withdrawn, so HR can fix the file and launch the same name again.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from pydantic import TypeAdapter, ValidationError
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter

from mentorflow.cohorts.models import CohortInput
from mentorflow.program import Duration, ProgramConfig

#: How long a launch waits for a worker to run the cohort's first task.
CONFIRM_WITHIN = timedelta(seconds=20)
#: Events that settle the question; anything else means "not yet".
_RAN = EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
_FAILED = EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
_ENDED = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
}


class LaunchRefused(ValueError):
    """The cohort cannot run as given; nothing was started."""


def prepare_launch(
    program: ProgramConfig, name: str, closes_in: str | None, now: datetime
) -> CohortInput:
    """The cohort workflow's input, or ``LaunchRefused`` saying why it cannot run."""
    try:
        window = (
            TypeAdapter(Duration).validate_python(closes_in)
            if closes_in
            else program.applications_window
        )
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise LaunchRefused(f"--closes-in {closes_in}: {message}") from None
    try:
        program.timeline_end(now, window)
        launch = CohortInput(cohort=name, program=program, opens_at=now, closes_at=now + window)
    except ValidationError as exc:
        raise LaunchRefused(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    except ValueError as exc:
        raise LaunchRefused(str(exc)) from None
    # What the worker will decode, decoded here first: a field whose written
    # form its own validator refuses would fail the first task forever.
    converter = pydantic_data_converter.payload_converter
    try:
        (decoded,) = converter.from_payloads(converter.to_payloads([launch]), [CohortInput])
    except (ValidationError, ValueError) as exc:
        raise LaunchRefused(f"the cohort's input does not read back: {exc}") from None
    if decoded != launch:
        raise LaunchRefused("the cohort's input does not read back as it was written")
    return launch


async def confirm_running(
    client: Client, workflow_id: str, within: timedelta = CONFIRM_WITHIN
) -> str | None:
    """None once the workflow's first task completed; else why it did not
    (the task's failure, the workflow's end, or no worker within ``within``)."""
    handle: WorkflowHandle = client.get_workflow_handle(workflow_id)
    deadline = time.monotonic() + within.total_seconds()
    while True:
        async for event in handle.fetch_history_events():
            if event.event_type == _RAN:
                return None
            if event.event_type == _FAILED:
                failure = event.workflow_task_failed_event_attributes.failure
                return f"the cohort workflow's first task failed: {failure.message}"
            if event.event_type in _ENDED:
                return "the cohort workflow ended before it ran"
        if time.monotonic() >= deadline:
            return (
                f"no worker ran the cohort workflow within {within.total_seconds():g} s; "
                "is a worker (mentorflow worker) running on this task queue?"
            )
        await asyncio.sleep(0.2)
