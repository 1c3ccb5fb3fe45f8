"""RoundDueWorkflow: what an evergreen intake's Schedule (``rounds:{cohort}``)
starts every ``rounds.every``: one activity opens the next matching round,
or says why not (the last one is still in review). The round itself is
``MatchingRoundWorkflow``, numbered, not this."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.rounds import RoundActivities
    from mentorflow.cohorts.rounds import RoundDue, RoundDueResult

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))


@workflow.defn
class RoundDueWorkflow:
    @workflow.run
    async def run(self, due: RoundDue) -> RoundDueResult:
        return await workflow.execute_activity_method(
            RoundActivities.open_due_round,
            due,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RETRY,
        )
