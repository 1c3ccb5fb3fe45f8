"""How the coordinating workflows (a cohort, a matching round) run their
steps: one retry policy, in which a refusal a person must see (an override
HR cannot have meant, a store's refusal) is not retried, and one helper for
an activity method with its timeouts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["OverrideError", "CohortStoreError", "UnknownCohort"],
)
STEP_TIMEOUT = timedelta(minutes=2)
# Matching thousands of people is CPU work measured in seconds, not minutes.
MATCHING_TIMEOUT = timedelta(minutes=10)


async def step(
    method: Any,
    arg: Any,
    *,
    start_to_close: timedelta = STEP_TIMEOUT,
    heartbeat_timeout: timedelta | None = None,
) -> Any:
    return await workflow.execute_activity_method(
        method,
        arg,
        start_to_close_timeout=start_to_close,
        heartbeat_timeout=heartbeat_timeout,
        retry_policy=RETRY,
    )
