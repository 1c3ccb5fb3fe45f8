"""HrisSyncWorkflow: keep the directory true to the HR system.

pull (a CSV file, or a SCIM service page by page) → diff and apply in one
transaction, unless more than the allowed share would leave at once (then
nothing is applied and the program managers are told) → the change reaches
the workflows it touches → HR hears of pairs now inside one reporting line.
Run by the Temporal Schedule ``hris-sync`` and by ``mentorflow hris sync``.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.email import EmailActivities
    from activities.hris import SOURCE_ERROR, HrisActivities
    from mentorflow.cohorts.states import SyncStatus
    from mentorflow.hris.models import (
        ApplyRequest,
        EffectsRequest,
        HrisSyncInput,
        ReportingLineAlert,
        SyncFailure,
        SyncOutcome,
        SyncStart,
    )
    from mentorflow.models import EmailRequest, Participant

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=[SOURCE_ERROR, "PermanentMailError"],
)
STEP_TIMEOUT = timedelta(minutes=5)
#: One attempt at pulling every page; a dead worker is noticed within a minute
#: (the heartbeat) and the next attempt starts at the page it stopped at.
PULL_ATTEMPT = timedelta(minutes=30)
#: How long a SCIM service may stay down or keep us waiting before this sync
#: gives up, records a failure and tells HR (the schedule tries again later).
PULL_PATIENCE = timedelta(hours=6)
HEARTBEAT = timedelta(minutes=1)


@workflow.defn
class HrisSyncWorkflow:
    @workflow.run
    async def run(self, input: HrisSyncInput) -> SyncOutcome:
        sync_id = workflow.info().workflow_id
        start = SyncStart(sync_id=sync_id, csv_path=input.csv_path)
        source = "csv" if input.csv_path else ""
        try:
            chosen = await self._step(HrisActivities.begin_sync, start)
            source = chosen.source
            if source == "scim":
                await workflow.execute_activity_method(
                    HrisActivities.pull_scim,
                    start,
                    start_to_close_timeout=PULL_ATTEMPT,
                    schedule_to_close_timeout=PULL_PATIENCE,
                    heartbeat_timeout=HEARTBEAT,
                    retry_policy=RETRY,
                )
            outcome = await self._step(
                HrisActivities.apply_sync,
                ApplyRequest(sync_id=sync_id, source=chosen, accept_leavers=input.accept_leavers),
            )
        except ActivityError as err:
            reason = str(getattr(err.cause, "message", "") or err.cause or err)
            recipients = await self._step(
                HrisActivities.record_sync_failure, SyncFailure(sync_id=sync_id, reason=reason)
            )
            outcome = SyncOutcome(
                sync_id=sync_id,
                source=source,
                status=SyncStatus.FAILED,
                reason=reason,
                alert_recipients=recipients,
            )
        if outcome.status is not SyncStatus.APPLIED:
            for address in outcome.alert_recipients:
                await self._alert(outcome, address)
            return outcome
        done = await workflow.execute_activity_method(
            HrisActivities.apply_effects,
            EffectsRequest(outcome=outcome),
            start_to_close_timeout=PULL_ATTEMPT,
            heartbeat_timeout=HEARTBEAT,
            retry_policy=RETRY,
        )
        for alert in outcome.reporting_line_alerts:
            await self._reporting_line(sync_id, alert)
        return outcome.model_copy(update={"effects": done})

    async def _step(self, method, arg):  # type: ignore[no-untyped-def]
        return await workflow.execute_activity_method(
            method, arg, start_to_close_timeout=STEP_TIMEOUT, retry_policy=RETRY
        )

    async def _alert(self, outcome: SyncOutcome, address: str) -> None:
        await self._email(
            EmailRequest(
                idempotency_key=f"{outcome.sync_id}:{outcome.status.value}:{address}",
                template="hris_sync_alert",
                to=Participant(employee_id="hr", email=address, name="Program manager"),
                context={
                    "status": outcome.status.value,
                    "reason": outcome.reason,
                    "sync_id": outcome.sync_id,
                    "source": outcome.source,
                    "leaving": outcome.leaving,
                    "program_name": "mentorflow",
                    "role": "hr",
                },
            )
        )

    async def _reporting_line(self, sync_id: str, alert: ReportingLineAlert) -> None:
        await self._email(
            EmailRequest(
                idempotency_key=f"{sync_id}:reporting-line:{alert.mentorship_id}",
                template="reporting_line_alert",
                to=Participant(
                    employee_id="hr", email=alert.program_manager_email, name="Program manager"
                ),
                mentorship_id=alert.mentorship_id,
                context={
                    "mentor": alert.mentor.model_dump(mode="json"),
                    "mentee": alert.mentee.model_dump(mode="json"),
                    "cohort": alert.cohort,
                    "detail": alert.detail,
                    "mentorship_id": alert.mentorship_id,
                    "program_name": alert.program_name,
                    "role": "hr",
                },
            )
        )

    async def _email(self, request: EmailRequest) -> None:
        try:
            await workflow.execute_activity_method(
                EmailActivities.send_email,
                request,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=RETRY,
            )
        except ActivityError as err:
            # A refused address must not fail the sync: it has been applied.
            workflow.logger.warning("HRIS alert to %s failed: %s", request.to.email, err.cause)
