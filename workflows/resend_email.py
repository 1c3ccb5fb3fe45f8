"""ResendEmailWorkflow: one email HR asked to have sent again.

The copy goes through the same ``send_email`` activity as every other email
(outbox claim, one send, retries on transient SMTP trouble), so a resend is
delivered once however often the request reaches Temporal: its id and its
idempotency key both come from the message it copies.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.email import EmailActivities
    from mentorflow.mail.resend import ResendEmail
    from mentorflow.models import EmailReceipt

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    # A copy nobody receives within a day is no longer what HR asked for.
    maximum_attempts=200,
)


@workflow.defn
class ResendEmailWorkflow:
    @workflow.run
    async def run(self, input: ResendEmail) -> EmailReceipt:
        return await workflow.execute_activity_method(
            EmailActivities.send_email,
            input.request,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RETRY,
        )
