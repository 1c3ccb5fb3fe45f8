"""AlumniInvitationWorkflow: a graduate invited to mentor in the program's next cohort.

invite (email with a signed link) → one reminder when there is no answer after
``reminder_after`` → expired at ``expires_after``. The invitee answers with the
``answer`` update: accepting enlists them as a pre-approved mentor (in the
program's open cohort at once, or held until the next one opens); declining
keeps the program from asking again for ``ask_again_after``.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.alumni import AlumniActivities
    from activities.email import EmailActivities
    from mentorflow.alumni.models import (
        ANSWERED_OR_EXPIRED,
        AlumniInvitationInput,
        AlumniInvitationResult,
        AlumniInvitationSnapshot,
        EnlistMentor,
        EnlistResult,
        InvitationAnswer,
        InvitationRecord,
        InvitationStatusRecord,
    )
    from mentorflow.applications.models import ApplicationDetails
    from mentorflow.cohorts.states import InvitationStatus
    from mentorflow.late_answers import received_in_window
    from mentorflow.models import ActionReceipt, EmailReceipt, EmailRequest, LinkSpec, Role
    from workflows.late_answers import await_kept_answers

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["PermanentMailError", "UnknownCohort"],
)
TIMEOUT = timedelta(minutes=2)
#: Patch: an answer the web app kept (the worker was down) counts when it was
#: received before the invitation expired, and the expiry waits for it.
ANSWER_RECEIVED_AT = "alumni-answer-received-at"


@workflow.defn
class AlumniInvitationWorkflow:
    @workflow.init
    def __init__(self, input: AlumniInvitationInput) -> None:
        self._input = input
        self._id = input.workflow_id
        self._status = InvitationStatus.INVITED
        self._invited_at = workflow.now()
        self._expires_at = self._invited_at + input.expires_after
        self._answer: InvitationAnswer | None = None
        self._answered_at: datetime | None = None
        self._ask_again_after: datetime | None = None
        self._enlisted: EnlistResult | None = None
        # What the answering page is told, once the answer took effect.
        self._receipt: ActionReceipt | None = None
        #: When the invitation went out: a kept answer is judged by it.
        self._sent_at: datetime | None = None
        self._judge_by_received_at = False

    @workflow.run
    async def run(self, input: AlumniInvitationInput) -> AlumniInvitationResult:
        # Validators may not call patched(): decided once per run, here.
        self._judge_by_received_at = workflow.patched(ANSWER_RECEIVED_AT)
        record = InvitationRecord(
            workflow_id=self._id,
            employee_id=input.employee_id,
            program_name=input.program_name,
            cohort=input.cohort,
            invited_at=self._invited_at,
            expires_at=self._expires_at,
        )
        await self._activity(AlumniActivities.record_invitation, record)
        # The invitation's term runs from when its email went out: an SMTP
        # outage must not use it up (histories before this patch: from now).
        follow_mail = workflow.patched("windows-open-when-mail-is-accepted")
        term = input.expires_after if follow_mail else None
        link = LinkSpec(
            name="alumni",
            purpose="alumni",
            participant_id=input.employee_id,
            expires_at=self._expires_at,
            expires_in=term,
        )
        sent = await self._email("alumni_invitation", "invite", [link], term)
        self._sent_at = sent or workflow.now()
        if follow_mail and sent is not None:
            self._expires_at = max(self._expires_at, sent + input.expires_after)
            link = link.model_copy(update={"expires_at": self._expires_at, "expires_in": None})
            await self._activity(
                AlumniActivities.record_invitation,
                record.model_copy(update={"expires_at": self._expires_at}),
            )
        if not await self._answered_within(input.reminder_after):
            # Not when a worker outage let the expiry pass: its link is dead.
            if workflow.now() < self._expires_at:
                await self._set_status(InvitationStatus.REMINDED)
                if self._answer is None:
                    await self._email("alumni_reminder", "reminder", [link])
            if (
                not await self._answered_within(self._expires_at - workflow.now())
                and not await self._kept_answer_arrived()
            ):
                # Nobody is written to: two emails without an answer are an answer.
                await self._set_status(InvitationStatus.EXPIRED)
        if self._answer is not None:
            await (self._accept() if self._answer.accept else self._decline())
        await workflow.wait_condition(workflow.all_handlers_finished)
        return AlumniInvitationResult(
            workflow_id=self._id,
            status=self._status,
            admitted_cohort=self._enlisted.admitted_cohort if self._enlisted else None,
            ask_again_after=self._ask_again_after,
        )

    async def _answered_within(self, period: timedelta) -> bool:
        if period > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._answer is not None, timeout=period)
        return self._answer is not None

    async def _kept_answer_arrived(self) -> bool:
        """Before it expires: an answer the web app kept in time, delivered now."""
        if not self._judge_by_received_at:
            return False
        return await await_kept_answers(self._expires_at, lambda: self._answer is not None)

    async def _accept(self) -> None:
        assert self._answer is not None
        input, answer = self._input, self._answer
        self._status = InvitationStatus.ACCEPTED
        details = ApplicationDetails(
            roles=[Role.MENTOR],
            capacity=answer.capacity or input.default_capacity,
            expertise=answer.expertise,
            languages=answer.languages,
            source="alumni",
        )
        note = (
            f"Pre-approved: you graduated from {input.cohort} and accepted the invitation "
            "to mentor."
        )
        request = EnlistMentor(
            key=self._id,
            employee_id=input.employee_id,
            program_name=input.program_name,
            details=details,
            note=note,
        )
        self._enlisted = enlisted = await self._activity(AlumniActivities.enlist_mentor, request)
        if enlisted.admitted_cohort:
            message = (
                f"Your mentor application to {enlisted.admitted_cohort} is in, already "
                "approved. You will hear from us after matching."
            )
        elif enlisted.refused:
            message = "The program team will be in touch to get your mentor application in."
        else:
            message = (
                "We will put you forward as a mentor when the next cohort of "
                f"{input.program_name} opens."
            )
        self._receipt = ActionReceipt(message=f"Thank you for paying it forward! {message}")
        await self._set_status(InvitationStatus.ACCEPTED)
        await self._email("alumni_accepted", "accepted")

    async def _decline(self) -> None:
        assert self._answered_at is not None
        self._status = InvitationStatus.DECLINED
        again = self._answered_at + self._input.ask_again_after
        self._ask_again_after = again
        self._receipt = ActionReceipt(
            message="Thank you for letting us know. We will not ask you again before "
            f"{again.day} {again:%B %Y}."
        )
        await self._set_status(InvitationStatus.DECLINED)
        await self._email("alumni_declined", "declined")

    # ------------------------------------------------------------------ handlers

    @workflow.update
    async def answer(self, answer: InvitationAnswer) -> ActionReceipt:
        self._answer = answer
        late = self._judge_by_received_at and answer.received_at is not None
        self._answered_at = answer.received_at if late else workflow.now()
        # The page says what happened: wait until the answer took effect.
        await workflow.wait_condition(lambda: self._receipt is not None)
        assert self._receipt is not None
        return self._receipt

    @answer.validator
    def _validate_answer(self, answer: InvitationAnswer) -> None:
        if answer.by != self._input.employee_id:
            raise ValueError("Only the person invited can answer this invitation.")
        if self._answer is not None:
            verdict = "accepted" if self._answer.accept else "declined"
            raise ValueError(f"You have already {verdict} this invitation.")
        # Also by the clock: a worker that was down past the expiry sees the
        # late answer before the timer that expires the invitation.
        if self._status in ANSWERED_OR_EXPIRED or (
            workflow.now() >= self._expires_at and not self._received_in_time(answer)
        ):
            raise ValueError("This invitation has expired.")

    def _received_in_time(self, answer: InvitationAnswer) -> bool:
        """A kept answer, received after the invitation went out and before it expired."""
        return (
            self._judge_by_received_at
            and received_in_window(
                answer.received_at, self._sent_at, self._expires_at, workflow.now()
            )
            and answer.received_at is not None
            and answer.received_at < self._expires_at
        )

    @workflow.query
    def status(self) -> AlumniInvitationSnapshot:
        input = self._input
        return AlumniInvitationSnapshot(
            workflow_id=self._id,
            employee_id=input.employee_id,
            cohort=input.cohort,
            program_name=input.program_name,
            status=self._status,
            reasons=input.reasons,
            mean_value=input.mean_value,
            invited_at=self._invited_at,
            expires_at=self._expires_at,
            answered_at=self._answered_at,
            ask_again_after=self._ask_again_after,
            default_capacity=input.default_capacity,
            expertise=input.expertise,
            languages=input.languages,
            admitted_cohort=self._enlisted.admitted_cohort if self._enlisted else None,
        )

    # ------------------------------------------------------------------ activities

    async def _set_status(self, status: InvitationStatus) -> None:
        self._status = status
        answered = status in (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED)
        record = InvitationStatusRecord(
            workflow_id=self._id,
            status=status,
            at=self._answered_at if answered and self._answered_at else workflow.now(),
            ask_again_after=self._ask_again_after,
        )
        await self._activity(AlumniActivities.set_invitation_status, record)

    async def _email(
        self,
        template: str,
        key: str,
        links: list[LinkSpec] | None = None,
        term: timedelta | None = None,
    ) -> datetime | None:
        """Send one email; return when the SMTP server accepted it, if known.
        ``term``: the invitation's term, shown counted from the send."""
        input, enlisted = self._input, self._enlisted
        request = EmailRequest(
            idempotency_key=f"{self._id}:{key}",
            workflow_id=self._id,
            template=template,
            to=input.alumnus,
            context={
                "program_name": input.program_name,
                "recipient": input.alumnus.model_dump(mode="json"),
                "role": "alumnus",
                "cohort": input.cohort,
                "reasons": [reason.value for reason in input.reasons],
                "mean_value": input.mean_value,
                "expires_at": self._expires_at.isoformat(),
                "default_capacity": input.default_capacity,
                "admitted_cohort": (enlisted.admitted_cohort or "") if enlisted else "",
                "refused": enlisted.refused if enlisted else "",
                "ask_again_after": self._ask_again_after.isoformat()
                if self._ask_again_after
                else "",
                "program_manager_email": input.program_manager_email,
            },
            links=links or [],
            deadlines={"expires_at": term} if term else {},
        )
        try:
            receipt = await self._activity(EmailActivities.send_email, request)
        except ActivityError as err:
            # An invitation is not worth failing over one undeliverable email.
            workflow.logger.warning("email %s failed: %s", template, err.cause)
            return None
        return receipt.sent_at if isinstance(receipt, EmailReceipt) else None

    async def _activity(self, method: Any, arg: Any) -> Any:
        return await workflow.execute_activity_method(
            method, arg, start_to_close_timeout=TIMEOUT, retry_policy=RETRY
        )
