"""Application activities: eligibility against the directory and the program,
the application's record in the store, and holding an application approved
too late for its cohort until the program's next cohort opens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from mentorflow.applications.models import (
    ApplicationRecord,
    ApplicationRecorded,
    EligibilityRequest,
    EligibilityResult,
    HoldForNextCohort,
)
from mentorflow.cohorts.states import (
    ApplicationSource,
    ApplicationStatus,
    CohortStatus,
    PendingReason,
)
from mentorflow.models import Role
from mentorflow.store import cohorts, pending
from mentorflow.store.schema import Person

A = TypeVar("A")
R = TypeVar("R")


def check_eligibility(session: Session, request: EligibilityRequest) -> EligibilityResult:
    cohort = cohorts.get_cohort(session, request.cohort)
    if cohort is None:
        return EligibilityResult(eligible=False, reason=f"There is no cohort {request.cohort!r}.")
    person = session.get(Person, request.employee_id)
    if person is None:
        return EligibilityResult(
            eligible=False, reason=f"{request.employee_id} is not in the employee directory."
        )
    applicant = person.participant()
    program = cohorts.cohort_program(cohort)
    today = activity.info().current_attempt_scheduled_time.date()
    for role in request.roles:
        refusal = program.refusal(person, role, today)
        if refusal:
            why = refusal[0].upper() + refusal[1:]
            return EligibilityResult(
                eligible=False, reason=f"As a {role.value}: {why}.", applicant=applicant
            )
    manager = session.get(Person, person.manager_id) if person.manager_id else None
    return EligibilityResult(
        eligible=True,
        applicant=applicant,
        manager=manager.participant() if manager is not None and manager.active else None,
    )


def record_application(session: Session, record: ApplicationRecord) -> ApplicationRecorded | None:
    if record.status is ApplicationStatus.APPROVED and not _pool_open(session, record.cohort):
        # Matching has started (or the cohort was cancelled): the pool it read
        # is final, so this application must not appear in it afterwards.
        return ApplicationRecorded(pool_open=False)
    if record.details is not None:
        details = record.details
        cohort = cohorts.get_cohort(session, record.cohort)
        if cohort is None:
            raise cohorts.UnknownCohort(f"no cohort {record.cohort!r}")
        program = cohorts.cohort_program(cohort)
        for role in details.roles:
            mentor = role is Role.MENTOR
            cohorts.upsert_application(
                session,
                cohorts.NewApplication(
                    cohort=record.cohort,
                    employee_id=record.employee_id,
                    role=role,
                    capacity=(details.capacity or program.default_mentor_capacity)
                    if mentor
                    else None,
                    expertise=details.expertise,
                    goals=details.goals,
                    interests=details.interests,
                    preferred_cadence=details.preferred_cadence,
                    languages=details.languages,
                    mentor_preferences=details.mentor_preferences,
                    notes=details.notes,
                    source=ApplicationSource(details.source),
                ),
                # A new application after a withdrawn one replaces it.
                replace=True,
                at=record.at,
            )
    for application in cohorts.list_applications(session, record.cohort):
        if application.employee_id == record.employee_id:
            cohorts.set_application_status(
                session,
                record.cohort,
                record.employee_id,
                Role(application.role),
                record.status,
                record.reason,
                at=record.at,
            )
    return ApplicationRecorded()


def _pool_open(session: Session, cohort_name: str) -> bool:
    """Whether the cohort still takes people into its matching pool. The row
    is locked so this cannot interleave with the cohort moving to matching."""
    cohort = cohorts.get_cohort_for_update(session, cohort_name)
    # Pre-approved entries of a cohort whose row is missing are the store's
    # problem to report (below), not a reason to turn the person away.
    return cohort is None or cohort.status == CohortStatus.OPEN.value


def hold_for_next_cohort(session: Session, request: HoldForNextCohort) -> None:
    """Holds the application for the program's next cohort, already approved
    (its manager said yes); a retry finds the row and changes nothing."""
    details = request.details.model_copy(update={"source": ApplicationSource.WAITLIST.value})
    pending.hold_application(
        session,
        key=f"late-approval:{request.cohort}:{request.employee_id}",
        program_name=request.program_name,
        employee_id=request.employee_id,
        role=details.roles[0],
        reason=PendingReason.WAITLIST,
        details=details.model_dump(mode="json"),
        note=request.note,
        now=request.at,
    )


class ApplicationActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def activities(self) -> list[Callable[..., object]]:
        return [self.check_eligibility, self.record_application, self.hold_for_next_cohort]

    @activity.defn
    async def check_eligibility(self, request: EligibilityRequest) -> EligibilityResult:
        return await self._run(check_eligibility, request)

    @activity.defn
    async def record_application(self, record: ApplicationRecord) -> ApplicationRecorded | None:
        # Optional: histories recorded before this result existed carry null.
        return await self._run(record_application, record)

    @activity.defn
    async def hold_for_next_cohort(self, request: HoldForNextCohort) -> None:
        await self._run(hold_for_next_cohort, request)

    async def _run(self, work: Callable[[Session, A], R], arg: A) -> R:
        def transaction() -> R:
            with self._sessions.begin() as session:
                return work(session, arg)

        try:
            return await asyncio.to_thread(transaction)
        except cohorts.CohortStoreError as exc:
            # Unknown cohort or person: retrying cannot help.
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
