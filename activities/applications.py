"""Application activities: eligibility against the directory and the program,
and the application's record in the store."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from mentorflow.application_models import (
    ApplicationRecord,
    EligibilityRequest,
    EligibilityResult,
)
from mentorflow.cohort_states import ApplicationSource
from mentorflow.models import Role
from mentorflow.store import cohorts
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


def record_application(session: Session, record: ApplicationRecord) -> None:
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


class ApplicationActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def activities(self) -> list[Callable[..., object]]:
        return [self.check_eligibility, self.record_application]

    @activity.defn
    async def check_eligibility(self, request: EligibilityRequest) -> EligibilityResult:
        return await self._run(check_eligibility, request)

    @activity.defn
    async def record_application(self, record: ApplicationRecord) -> None:
        await self._run(record_application, record)

    async def _run(self, work: Callable[[Session, A], R], arg: A) -> R:
        def transaction() -> R:
            with self._sessions.begin() as session:
                return work(session, arg)

        try:
            return await asyncio.to_thread(transaction)
        except cohorts.CohortStoreError as exc:
            # Unknown cohort or person: retrying cannot help.
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
