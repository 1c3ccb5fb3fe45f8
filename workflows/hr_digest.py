"""HrDigestWorkflow: the day's HR notices, one email per program and manager.

Run by the Temporal Schedule ``hr-digest`` (daily at ``MENTORFLOW_HR_DIGEST_AT``)
and by ``mentorflow hr digest``. The one activity does the work; the digest
day is the run's UTC day, so a retried activity sends under the same key.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.hr_notices import HrNoticeActivities
    from mentorflow.notices.models import DigestRequest, HrDigestInput, HrDigestResult

RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))


@workflow.defn
class HrDigestWorkflow:
    @workflow.run
    async def run(self, input: HrDigestInput) -> HrDigestResult:
        day = input.day or workflow.now().date()
        return await workflow.execute_activity_method(
            HrNoticeActivities.send_hr_digest,
            DigestRequest(day=day),
            # One email per program: a long list for a big organisation.
            start_to_close_timeout=timedelta(minutes=30),
            heartbeat_timeout=timedelta(minutes=2),
            retry_policy=RETRY,
        )
