"""Alumni activities: the invitation's record, enlisting an alumnus who
accepted as a mentor (a held application, admitted at once when a cohort of
the program is open), and inviting a closing cohort's graduates."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError

from mentorflow import search_attributes
from mentorflow.alumni.models import (
    AlumniInvitationInput,
    EnlistMentor,
    EnlistResult,
    InvitationRecord,
    InvitationStatusRecord,
    InviteAlumni,
)
from mentorflow.applications.admission import admit
from mentorflow.applications.start import SubmitOutcome
from mentorflow.cohorts.states import PendingReason
from mentorflow.models import Role
from mentorflow.program import ProgramConfig
from mentorflow.store import alumni, cohorts, pending
from mentorflow.store.schema import PendingApplication

#: A name, not the class: activities do not import ``workflows/``.
WORKFLOW_TYPE = "AlumniInvitationWorkflow"

A = TypeVar("A")
R = TypeVar("R")


class AlumniActivities:
    """Built once per worker; ``task_queue`` is where the invitations and the
    applications they lead to run (the worker's own)."""

    def __init__(self, sessions: sessionmaker[Session], task_queue: str) -> None:
        self._sessions = sessions
        self._task_queue = task_queue

    @property
    def activities(self) -> list[Callable[..., object]]:
        return [
            self.record_invitation,
            self.set_invitation_status,
            self.enlist_mentor,
            self.invite_alumni,
        ]

    @activity.defn
    async def record_invitation(self, record: InvitationRecord) -> None:
        def write(session: Session, record: InvitationRecord) -> None:
            alumni.record_invitation(session, **record.model_dump())

        await self._run(write, record)

    @activity.defn
    async def set_invitation_status(self, record: InvitationStatusRecord) -> None:
        def write(session: Session, record: InvitationStatusRecord) -> None:
            alumni.set_invitation_status(
                session, record.workflow_id, record.status, record.at, record.ask_again_after
            )

        await self._run(write, record)

    @activity.defn
    async def enlist_mentor(self, request: EnlistMentor) -> EnlistResult:
        """Idempotent: a retry finds the held row (and, once it was admitted,
        the cohort it went to) instead of holding or submitting twice."""
        now = activity.info().current_attempt_scheduled_time

        def hold(
            session: Session, request: EnlistMentor
        ) -> tuple[PendingApplication, str | None, ProgramConfig | None]:
            pending.hold_application(
                session,
                key=request.key,
                program_name=request.program_name,
                employee_id=request.employee_id,
                role=Role.MENTOR,
                reason=PendingReason.ALUMNI,
                details=request.details.model_dump(mode="json"),
                note=request.note,
                now=now,
            )
            held = session.get(PendingApplication, request.key)
            assert held is not None  # held above, or by an earlier attempt
            if held.admitted_cohort is not None:
                return held, held.admitted_cohort, None
            open_cohort = pending.open_cohort_of(session, request.program_name)
            if open_cohort is None:
                return held, None, None
            return held, open_cohort.name, cohorts.cohort_program(open_cohort)

        held, cohort, program = await self._run(hold, request)
        if cohort is None:
            return EnlistResult(message="Held for the program's next cohort.")
        if program is None:  # admitted by an earlier attempt, or by the cohort itself
            return EnlistResult(admitted_cohort=cohort, message=f"Submitted to {cohort}.")
        result = await admit(
            activity.client(), self._task_queue, self._sessions, cohort, program, held
        )
        if result.outcome is SubmitOutcome.REFUSED:
            return EnlistResult(refused=result.message, message=result.message)
        return EnlistResult(admitted_cohort=cohort, message=result.message)

    @activity.defn
    async def invite_alumni(self, request: InviteAlumni) -> int:
        """Starts one AlumniInvitationWorkflow per graduate to invite; returns
        how many are invited. Starting an invitation that exists (a retry, a
        second call) is a no-op, so the count stays the same."""
        now = activity.info().current_attempt_scheduled_time
        invitations = await self._run(_invitations, (request.cohort, now))
        client = activity.client()
        for index, invitation in enumerate(invitations):
            try:
                await client.start_workflow(
                    WORKFLOW_TYPE,
                    invitation,
                    id=invitation.workflow_id,
                    task_queue=self._task_queue,
                    # One invitation per graduate and cohort, ever: an answered
                    # or expired one is not sent again.
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    search_attributes=search_attributes.for_application(
                        invitation.cohort, invitation.program_name, invitation.employee_id
                    ),
                )
            except WorkflowAlreadyStartedError:
                activity.logger.info("%s was invited already", invitation.workflow_id)
            activity.heartbeat(index)
        return len(invitations)

    async def _run(self, work: Callable[[Session, A], R], arg: A) -> R:
        def transaction() -> R:
            with self._sessions.begin() as session:
                return work(session, arg)

        try:
            return await asyncio.to_thread(transaction)
        except cohorts.CohortStoreError as exc:
            # An unknown cohort: retrying cannot help.
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc


def _invitations(session: Session, arg: tuple[str, datetime]) -> list[AlumniInvitationInput]:
    """The invitations a closing cohort sends (none when the program says so)."""
    name, now = arg
    cohort = cohorts.get_cohort(session, name)
    if cohort is None:
        raise cohorts.UnknownCohort(f"no cohort {name!r}")
    program = cohorts.cohort_program(cohort)
    settings = program.alumni
    if not settings.enabled:
        return []
    return [
        AlumniInvitationInput(
            employee_id=candidate.alumnus.employee_id,
            cohort=name,
            program_name=program.program_name,
            program_manager_email=program.program_manager_email,
            alumnus=candidate.alumnus,
            reasons=candidate.reasons,
            mean_value=candidate.mean_value,
            reminder_after=settings.reminder_after,
            expires_after=settings.expires_after,
            ask_again_after=settings.ask_again_after,
            default_capacity=settings.default_capacity,
            expertise=candidate.expertise,
            languages=candidate.languages,
        )
        for candidate in alumni.alumni_candidates(
            session, name, program.program_name, settings.min_value_rating, now
        )
    ]
