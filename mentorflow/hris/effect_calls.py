"""What an applied directory change does to running workflows: a leaver's open
applications are withdrawn and their mentorships end as "participant left"
(each MentorshipWorkflow tells the partner kindly and HR plainly); a mentee
whose mentor left is held for the program's next matching round; people in
running pairs get their new contact details.

Each call is idempotent (a fixed update id, signals the workflows ignore when
repeated, keyed inserts), so a retried activity may repeat any of them.
Workflow names are strings: the domain package does not import ``workflows/``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.applications.models import ApplicationDetails, WithdrawRequest
from mentorflow.cohorts.states import PendingReason
from mentorflow.hris.models import EffectsDone, Leaver, LeaverMentorship, SyncOutcome
from mentorflow.models import ActionReceipt, ParticipantLeft, Role
from mentorflow.store import cohorts, pending

LEFT = "left the organisation"
WITHDRAWN_REASON = "Withdrawn because the HR directory lists you as having left."


def _gone(exc: RPCError) -> bool:
    """The workflow finished (or never ran): nothing left to tell it."""
    return exc.status == RPCStatusCode.NOT_FOUND


class EffectCalls:
    def __init__(self, client: Client, sessions: sessionmaker[Session], sync_id: str) -> None:
        self._client = client
        self._sessions = sessions
        self._sync_id = sync_id

    async def run(self, outcome: SyncOutcome, heartbeat: Callable[..., None]) -> EffectsDone:
        done = EffectsDone()
        leaving = {leaver.employee_id for leaver in outcome.leavers}
        for leaver in outcome.leavers:
            for workflow_id in leaver.open_applications:
                done.applications_withdrawn += await self._withdraw(workflow_id)
                heartbeat(leaver.employee_id)
            for mentorship in leaver.mentorships:
                done.mentorships_ended += await self._end(leaver, mentorship)
                if mentorship.role is Role.MENTOR and mentorship.partner_id not in leaving:
                    done.mentees_waitlisted += await self._carry_over(mentorship)
                heartbeat(leaver.employee_id)
        for change in outcome.contact_changes:
            for mentorship_id in change.mentorship_ids:
                handle = self._client.get_workflow_handle(mentorship_id)
                try:
                    await handle.signal("contact_changed", change.participant)
                    done.contacts_updated += 1
                except RPCError as exc:
                    if not _gone(exc):
                        raise
            heartbeat(change.participant.employee_id)
        return done

    async def _withdraw(self, workflow_id: str) -> int:
        handle = self._client.get_workflow_handle(workflow_id)
        try:
            await handle.execute_update(
                "withdraw",
                WithdrawRequest(by="hr", reason=WITHDRAWN_REASON),
                id=f"{self._sync_id}:withdraw",
                result_type=ActionReceipt,
            )
        except WorkflowUpdateFailedError:
            return 0  # matched or finished meanwhile: the validator said no
        except RPCError as exc:
            if _gone(exc):
                return 0
            raise
        return 1

    async def _end(self, leaver: Leaver, mentorship: LeaverMentorship) -> int:
        handle = self._client.get_workflow_handle(mentorship.mentorship_id)
        try:
            await handle.signal(
                "participant_left", ParticipantLeft(employee_id=leaver.employee_id, reason=LEFT)
            )
        except RPCError as exc:
            if _gone(exc):
                return 0
            raise
        return 1

    async def _carry_over(self, mentorship: LeaverMentorship) -> int:
        """Holds the mentee's application for the program's next cohort, with
        what they told us when they applied to this one."""
        return int(await asyncio.to_thread(self._hold_mentee, mentorship))

    def _hold_mentee(self, mentorship: LeaverMentorship) -> bool:
        mentee = mentorship.partner_id
        with self._sessions.begin() as session:
            applied = cohorts.get_application(session, mentorship.cohort, mentee, Role.MENTEE)
            details = ApplicationDetails(roles=[Role.MENTEE], source="waitlist")
            if applied is not None:
                details = details.model_copy(
                    update={
                        "goals": applied.goals,
                        "interests": applied.interests,
                        "expertise": applied.expertise,
                        "preferred_cadence": applied.preferred_cadence,
                        "languages": list(applied.languages),
                    }
                )
            return pending.hold_application(
                session,
                key=f"waitlist:{mentorship.mentorship_id}",
                program_name=mentorship.program_name,
                employee_id=mentee,
                role=Role.MENTEE,
                reason=PendingReason.WAITLIST,
                details=details.model_dump(mode="json"),
                note=(
                    f"Your mentor in {mentorship.cohort} left the organisation, so you go "
                    "straight into this round's matching: no need to apply again."
                ),
                now=datetime.now(UTC),
            )
