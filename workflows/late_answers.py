"""Waiting, past a deadline that nobody seemed to meet, for answers the web
app kept before it (see ``mentorflow.late_answers``).

When a worker comes back after an outage, its workflows see their timers
fire at once, while the answers the web app kept meanwhile reach them only
on the answer deliverer's next round. A workflow about to act on silence
(expire an invitation, reject an application, end an introduction) asks the
store first; while answers received by the deadline still wait for delivery,
it waits for them, a bounded time, so that they count.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.kept_answers import KeptAnswerActivities
    from mentorflow.late_answers import KeptAnswersQuery

#: How long a workflow waits at most for kept answers: the deliverer's rounds
#: are seconds apart, so this covers a web app still restarting too.
GRACE = timedelta(minutes=10)
#: How often it asks the store again while answers are waiting.
POLL = timedelta(seconds=5)
TIMEOUT = timedelta(seconds=30)
RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


async def await_kept_answers(received_by: datetime, arrived: Callable[[], bool]) -> bool:
    """Wait while answers for this workflow received by ``received_by`` are
    kept and not delivered (or refused) yet, until ``arrived()`` or the grace
    runs out; returns ``arrived()``."""
    give_up = workflow.now() + GRACE
    query = KeptAnswersQuery(workflow_id=workflow.info().workflow_id, received_by=received_by)
    while not arrived() and workflow.now() < give_up:
        waiting = await workflow.execute_activity_method(
            KeptAnswerActivities.kept_answers_waiting,
            query,
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        if not waiting:
            break
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(arrived, timeout=POLL)
    return arrived()
