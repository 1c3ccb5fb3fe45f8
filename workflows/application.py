"""ApplicationWorkflow: one employee's application to one cohort.

submitted (update-with-start) → eligibility against the directory → the
manager's approval by email link when the program asks for it (with its
timeout policy) → in the matching pool → matched or waitlisted by the cohort.
The applicant (or HR) can withdraw at any time before the match.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.applications import ApplicationActivities
    from activities.email import EmailActivities
    from mentorflow.applications.models import (
        FINAL_STATUSES,
        ApplicationDetails,
        ApplicationInput,
        ApplicationRecord,
        ApplicationRecorded,
        ApplicationSnapshot,
        ApplicationStatus,
        EligibilityRequest,
        EligibilityResult,
        HoldForNextCohort,
        ManagerDecision,
        MatchNotice,
        PoolClosed,
        WithdrawRequest,
    )
    from mentorflow.late_answers import received_in_window
    from mentorflow.models import (
        ActionReceipt,
        EmailReceipt,
        EmailRequest,
        LinkSpec,
        Participant,
    )
    from workflows.late_answers import await_kept_answers

HR = "hr"
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["PermanentMailError"],
)
TIMEOUT = timedelta(minutes=2)
#: Withdrawing is possible until the match; the settings' ``link_max_age``
#: caps every link's age on top of this.
WITHDRAW_LINK_LIFETIME = timedelta(days=120)
#: Patch: an approval after the cohort's matching started ends the application
#: (waitlisted, held for the next cohort) instead of waiting for a match.
LATE_APPROVAL = "late-approval-next-cohort"
#: Patch: a manager's decision the web app kept (the worker was down) counts
#: when it was received by the due date, and the timeout policy waits for it.
DECISION_RECEIVED_AT = "manager-decision-received-at"


@workflow.defn
class ApplicationWorkflow:
    @workflow.init
    def __init__(self, input: ApplicationInput) -> None:
        self._input = input
        self._details: ApplicationDetails | None = None
        self._status = ApplicationStatus.SUBMITTED
        self._reason = ""
        self._eligibility: EligibilityResult | None = None
        self._decision: ManagerDecision | None = None
        self._decision_due: datetime | None = None
        #: When the manager's email went out: a kept decision is judged by it.
        self._manager_asked_at: datetime | None = None
        self._judge_by_received_at = False
        self._withdrawn: WithdrawRequest | None = None
        self._match: MatchNotice | None = None
        #: The cohort's matching has started: the pool takes nobody more.
        self._pool_closed = False

    @workflow.run
    async def run(self, input: ApplicationInput) -> ApplicationSnapshot:
        # Validators may not call patched(): decided once per run, here.
        self._judge_by_received_at = workflow.patched(DECISION_RECEIVED_AT)
        await workflow.wait_condition(lambda: self._details is not None)
        assert self._details is not None
        self._eligibility = await self._check_eligibility()
        if self._eligibility.applicant is None:
            # Not in the directory: nothing to record against, nobody to write to.
            self._status, self._reason = ApplicationStatus.INELIGIBLE, self._eligibility.reason
        else:
            await self._record(ApplicationStatus.SUBMITTED, details=self._details)
            if self._withdrawn:
                await self._finish_withdrawal()
            elif input.pre_approved:
                await self._enter_pool(
                    input.pre_approved_reason or "Pre-approved: invited to mentor as an alumnus."
                )
            else:
                await self._review()
        if self._status == ApplicationStatus.APPROVED:
            await workflow.wait_condition(
                lambda: self._withdrawn is not None or self._match is not None
            )
            await self._settle()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _review(self) -> None:
        assert self._eligibility is not None
        if not self._eligibility.eligible:
            await self._finish(ApplicationStatus.INELIGIBLE, self._eligibility.reason)
            return
        await self._record(ApplicationStatus.ELIGIBLE)
        await self._email("application_received", "received")
        policy = self._input.manager_approval
        manager = self._eligibility.manager
        if policy.required and manager is not None:
            await self._ask_manager(manager)
            if self._withdrawn:
                return await self._finish_withdrawal()
            if self._decision is None:
                if policy.on_timeout == "reject":
                    await self._finish(
                        ApplicationStatus.REJECTED,
                        "Your manager did not answer in time, and this program needs their "
                        "approval.",
                    )
                    return
                await self._enter_pool("Approved: your manager did not object in time.")
                return
            if not self._decision.approve:
                await self._finish(
                    ApplicationStatus.REJECTED,
                    self._decision.reason or "Your manager did not approve this time.",
                )
                return
            await self._enter_pool("Approved by your manager.")
            return
        if self._withdrawn:
            return await self._finish_withdrawal()
        await self._enter_pool("Eligible.")

    async def _ask_manager(self, manager: Participant) -> None:
        policy = self._input.manager_approval
        self._decision_due = workflow.now() + policy.timeout
        await self._record(ApplicationStatus.AWAITING_MANAGER)
        link = LinkSpec(
            name="approval",
            purpose="approval",
            participant_id=manager.employee_id,
            expires_at=self._decision_due,
            expires_in=policy.timeout,
        )
        # The manager's window (the date in the mail, the link) runs from when
        # the email went out: an SMTP outage must not use it up.
        sent = await self._email(
            "manager_approval",
            "manager",
            to=manager,
            links=[link],
            deadlines={"decision_due": policy.timeout},
        )
        self._manager_asked_at = sent or workflow.now()
        if sent is not None:
            self._decision_due = sent + policy.timeout
            link = link.model_copy(update={"expires_at": self._decision_due, "expires_in": None})

        def settled() -> bool:
            return self._decision is not None or self._withdrawn is not None

        try:
            await workflow.wait_condition(settled, timeout=policy.timeout / 2)
        except TimeoutError:
            await self._email(
                "manager_approval_reminder", "manager:reminder", to=manager, links=[link]
            )
            with contextlib.suppress(TimeoutError):  # silence: the policy decides
                await workflow.wait_condition(settled, timeout=policy.timeout / 2)
            if self._judge_by_received_at and not settled():
                # Not before a decision the web app kept by the due date arrives.
                await await_kept_answers(self._decision_due, settled)
        self._decision_due = None

    async def _enter_pool(self, reason: str) -> None:
        if self._pool_closed and workflow.patched(LATE_APPROVAL):
            return await self._carry_to_next_cohort()
        self._reason = reason
        recorded = await self._record(ApplicationStatus.APPROVED, reason=reason)
        if recorded is not None and not recorded.pool_open:
            # Matching started while this approval was on its way (the
            # cohort's signal had not arrived): the store said no.
            workflow.patched(LATE_APPROVAL)
            return await self._carry_to_next_cohort()
        await self._email("application_approved", "approved")

    async def _carry_to_next_cohort(self) -> None:
        """Approved, but after matching: held (already approved) for the
        program's next cohort, and waitlisted here, so the workflow ends."""
        assert self._details is not None
        manager_said_yes = self._decision is not None and self._decision.approve
        late = (
            "Your manager's approval came" if manager_said_yes else "Your application was approved"
        )
        await workflow.execute_activity_method(
            ApplicationActivities.hold_for_next_cohort,
            HoldForNextCohort(
                cohort=self._input.cohort,
                employee_id=self._input.employee_id,
                program_name=self._input.program_name,
                details=self._details,
                note=(
                    f"Approved for {self._input.cohort} after its matching had run: "
                    "you go straight into this round's matching."
                ),
                at=workflow.now(),
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        await self._finish(
            ApplicationStatus.WAITLISTED,
            f"{late} after matching for {self._input.cohort} had already run, so you "
            "could not be matched in this cohort. We will put you forward, already approved, "
            "for the program's next cohort, and write to you when it opens.",
        )

    async def _settle(self) -> None:
        if self._withdrawn and not self._match:
            await self._finish_withdrawal()
        elif self._match and self._match.matched:
            # The introduction email of each MentorshipWorkflow tells the person.
            await self._record(ApplicationStatus.MATCHED, reason=self._match.reason)
        elif self._match:
            await self._finish(ApplicationStatus.WAITLISTED, self._match.reason)

    async def _finish_withdrawal(self) -> None:
        assert self._withdrawn is not None
        await self._finish(ApplicationStatus.WITHDRAWN, self._withdrawn.reason or "Withdrawn.")

    async def _finish(self, status: ApplicationStatus, reason: str) -> None:
        self._reason = reason
        await self._record(status, reason=reason)
        await self._email(f"application_{status.value}", status.value)

    # ------------------------------------------------------------------ handlers

    @workflow.update
    async def submit(self, details: ApplicationDetails) -> ActionReceipt:
        self._details = details
        return ActionReceipt(message="Thank you: your application is in.")

    @submit.validator
    def _validate_submit(self, details: ApplicationDetails) -> None:
        if self._details is not None:
            raise ValueError("You have already applied to this cohort.")

    @workflow.update
    async def manager_decision(self, decision: ManagerDecision) -> ActionReceipt:
        self._decision = decision
        if decision.approve and self._pool_closed:
            applicant = self._eligibility.applicant if self._eligibility else None
            name = applicant.name if applicant else self._input.employee_id
            return ActionReceipt(
                message=(
                    "Thank you: your approval is recorded. Matching for this cohort had "
                    f"already run, so {name} will be put forward, already approved, for the "
                    "program's next cohort; we are letting them know."
                )
            )
        verdict = "approval" if decision.approve else "answer"
        return ActionReceipt(message=f"Thank you for your {verdict}.")

    @manager_decision.validator
    def _validate_decision(self, decision: ManagerDecision) -> None:
        if self._status != ApplicationStatus.AWAITING_MANAGER or self._decision_due is None:
            raise ValueError("This application is not waiting for a manager's decision.")
        manager = self._eligibility.manager if self._eligibility else None
        if manager is None or decision.by != manager.employee_id:
            raise ValueError("Only the applicant's manager can decide.")
        if self._decision is not None:
            raise ValueError("You have already decided.")
        now = workflow.now()
        if (
            self._judge_by_received_at
            and now > self._decision_due
            and not received_in_window(
                decision.received_at, self._manager_asked_at, self._decision_due, now
            )
        ):
            raise ValueError("The time for a decision has passed.")

    @workflow.update
    async def withdraw(self, request: WithdrawRequest) -> ActionReceipt:
        self._withdrawn = request
        return ActionReceipt(message="Your application is withdrawn.")

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawRequest) -> None:
        if request.by not in (self._input.employee_id, HR):
            raise ValueError("Only the applicant or HR can withdraw an application.")
        if self._status in FINAL_STATUSES or self._match is not None:
            raise ValueError(f"This application is already {self._status.value}.")
        if self._withdrawn is not None:
            raise ValueError("This application is already withdrawn.")

    @workflow.signal
    def match_notice(self, notice: MatchNotice) -> None:
        if self._match is None and self._withdrawn is None:
            self._match = notice

    @workflow.signal
    def pool_closed(self, notice: PoolClosed) -> None:
        # An application already in the pool was in the matching run's input.
        if self._status is not ApplicationStatus.APPROVED and self._status not in FINAL_STATUSES:
            self._pool_closed = True

    @workflow.query
    def status(self) -> ApplicationSnapshot:
        manager = self._eligibility.manager if self._eligibility else None
        return ApplicationSnapshot(
            cohort=self._input.cohort,
            employee_id=self._input.employee_id,
            status=self._status,
            reason=self._reason,
            roles=self._details.roles if self._details else [],
            manager_id=manager.employee_id if manager else None,
            decision_due=self._decision_due,
            mentorship_ids=self._match.mentorship_ids if self._match else [],
        )

    # ------------------------------------------------------------------ activities

    async def _check_eligibility(self) -> EligibilityResult:
        assert self._details is not None
        return await workflow.execute_activity_method(
            ApplicationActivities.check_eligibility,
            EligibilityRequest(
                cohort=self._input.cohort,
                employee_id=self._input.employee_id,
                roles=self._details.roles,
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )

    async def _record(
        self,
        status: ApplicationStatus,
        reason: str = "",
        details: ApplicationDetails | None = None,
    ) -> ApplicationRecorded | None:
        self._status = status
        return await workflow.execute_activity_method(
            ApplicationActivities.record_application,
            ApplicationRecord(
                cohort=self._input.cohort,
                employee_id=self._input.employee_id,
                status=status,
                reason=reason,
                details=details,
                at=workflow.now(),
            ),
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )

    async def _email(
        self,
        template: str,
        key: str,
        to: Participant | None = None,
        links: list[LinkSpec] | None = None,
        deadlines: dict[str, timedelta] | None = None,
    ) -> datetime | None:
        """Send one email; return when the SMTP server accepted it, if known."""
        applicant = self._eligibility.applicant if self._eligibility else None
        recipient = to or applicant
        if recipient is None:
            return None  # not in the directory: there is nobody to write to
        assert self._details is not None
        links = list(links or [])
        if to is None and self._status not in FINAL_STATUSES:
            # While the application is open, every email to the applicant
            # carries their way out of it.
            links.append(
                LinkSpec(
                    name="withdraw",
                    purpose="withdraw",
                    participant_id=recipient.employee_id,
                    expires_at=workflow.now() + WITHDRAW_LINK_LIFETIME,
                )
            )
        request = EmailRequest(
            idempotency_key=f"{workflow.info().workflow_id}:{key}",
            workflow_id=workflow.info().workflow_id,
            template=template,
            to=recipient,
            context={
                "program_name": self._input.program_name,
                "recipient": recipient.model_dump(mode="json"),
                "role": "manager" if to is not None else "applicant",
                "cohort": self._input.cohort,
                "applicant": applicant.model_dump(mode="json") if applicant else {},
                "roles": [r.value for r in self._details.roles],
                "reason": self._reason,
                "decision_due": self._decision_due.isoformat() if self._decision_due else "",
                "program_manager_email": self._input.program_manager_email,
                # A reminder after matching started says where an approval leads.
                "pool_closed": self._pool_closed,
            },
            links=links,
            deadlines=deadlines or {},
        )
        try:
            receipt = await workflow.execute_activity_method(
                EmailActivities.send_email,
                request,
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
        except ActivityError as err:
            workflow.logger.warning("email %s failed: %s", template, err.cause)
            return None
        return receipt.sent_at if isinstance(receipt, EmailReceipt) else None
