"""Sending the HR digest now (``mentorflow hr digest``, the demo's last step):
an HrDigestWorkflow run besides the schedule's, under the same daily keys."""

from __future__ import annotations

from datetime import UTC, date, datetime

from temporalio.client import Client

from mentorflow.notices.models import SCHEDULE_ID, HrDigestInput, HrDigestResult
from mentorflow.notices.schedule import WORKFLOW_TYPE


async def send_digest_now(
    client: Client, task_queue: str, day: date | None = None
) -> HrDigestResult:
    """Runs a digest and waits for what it sent (a worker must poll ``task_queue``)."""
    return await client.execute_workflow(
        WORKFLOW_TYPE,
        HrDigestInput(day=day),
        id=f"{SCHEDULE_ID}-now-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}",
        task_queue=task_queue,
        result_type=HrDigestResult,
    )
