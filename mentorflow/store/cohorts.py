"""Cohorts, applications and matching runs: what the cohort and application
activities write and the CLI, dashboard and reports read.

Every write may be retried by Temporal after it committed, so each is
idempotent: doing it again with the same arguments lands on the same row and
the same values. Functions take a ``Session`` inside the caller's transaction
and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import to_jsonable_python
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorflow.cohorts.states import (
    COHORT_TRANSITIONS,
    INTAKE_TRANSITIONS,
    ApplicationSource,
    ApplicationStatus,
    CohortStatus,
)
from mentorflow.models import Role
from mentorflow.program import ProgramConfig
from mentorflow.store.inserts import insert_for, inserted
from mentorflow.store.schema import Application, Cohort, MatchingRun, Person


class CohortStoreError(ValueError):
    """A write the store refuses; the message says why."""


class UnknownCohort(CohortStoreError, LookupError):
    pass


class UnknownApplication(CohortStoreError, LookupError):
    pass


class UnknownEmployee(CohortStoreError, LookupError):
    pass


def _now(at: datetime | None) -> datetime:
    return at or datetime.now(UTC)


# --------------------------------------------------------------------------- cohorts


def create_cohort(
    session: Session,
    name: str,
    program: ProgramConfig,
    *,
    opens_at: datetime,
    closes_at: datetime,
    at: datetime | None = None,
) -> tuple[Cohort, bool]:
    """The cohort ``name``, created open if it did not exist; the flag says
    whether this call created it. An existing cohort is returned unchanged
    (a retried launch), so a caller that launched a *different* program under
    the same name must compare ``cohort.program`` itself."""
    if closes_at <= opens_at:
        raise CohortStoreError(f"cohort {name!r} would close before it opens")
    statement = (
        insert_for(session, Cohort)
        .values(
            name=name,
            program_name=program.program_name,
            program=program.model_dump(mode="json", by_alias=True),
            status=CohortStatus.OPEN.value,
            opens_at=opens_at,
            closes_at=closes_at,
            created_at=_now(at),
        )
        .on_conflict_do_nothing(index_elements=[Cohort.name])
    )
    created = inserted(session, statement)
    cohort = session.get(Cohort, name, populate_existing=True)
    assert cohort is not None  # inserted above, or there already
    return cohort, created


def withdraw_cohort(session: Session, name: str) -> None:
    """Remove the row of a launch whose workflow never ran, so that the same
    name can be launched again once the cause is fixed. A cohort something
    already refers to (an application imported meanwhile) stays as it is."""
    cohort = session.get(Cohort, name)
    if cohort is None or cohort.status != CohortStatus.OPEN.value:
        return
    try:
        with session.begin_nested():
            session.delete(cohort)
    except IntegrityError:
        session.expire_all()


def get_cohort(session: Session, name: str) -> Cohort | None:
    return session.get(Cohort, name)


def get_cohort_for_update(session: Session, name: str) -> Cohort | None:
    """The cohort, its row locked until the transaction ends (PostgreSQL;
    SQLite serialises writers anyway)."""
    return session.scalar(
        select(Cohort)
        .where(Cohort.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def cohort_program(cohort: Cohort) -> ProgramConfig:
    """The program a cohort was launched with (stored whole at launch)."""
    return ProgramConfig.model_validate(cohort.program)


def _cohort(session: Session, name: str, *, lock: bool = False) -> Cohort:
    query = select(Cohort).where(Cohort.name == name)
    if lock:
        query = query.with_for_update()
    cohort = session.scalar(query)
    if cohort is None:
        raise UnknownCohort(f"no cohort {name!r}")
    return cohort


def set_cohort_status(session: Session, name: str, status: CohortStatus) -> Cohort:
    """Moves the cohort to ``status``; setting the status it has is a no-op (a
    retry), a move ``COHORT_TRANSITIONS`` (``INTAKE_TRANSITIONS`` for an
    evergreen intake) does not allow is refused."""
    cohort = _cohort(session, name, lock=True)
    current = CohortStatus(cohort.status)
    if current is status:
        return cohort
    moves = INTAKE_TRANSITIONS if cohort_program(cohort).evergreen else COHORT_TRANSITIONS
    if status not in moves[current]:
        raise CohortStoreError(f"cohort {name!r} cannot go from {current} to {status}")
    cohort.status = status.value
    session.flush()
    return cohort


# --------------------------------------------------------------------------- applications


class NewApplication(BaseModel):
    """One application as submitted (a CSV row or the web form), one role."""

    cohort: str
    employee_id: str = Field(min_length=1, max_length=64)
    role: Role
    #: Mentors only: how many mentees they take on.
    capacity: int | None = Field(default=None, ge=1, le=10)
    expertise: str = ""
    goals: str = ""
    interests: str = ""
    preferred_cadence: str = Field(default="", max_length=32)
    languages: list[str] = []
    mentor_preferences: list[str] = []
    notes: str = ""
    source: ApplicationSource

    @field_validator("languages", "mentor_preferences")
    @classmethod
    def _distinct(cls, values: list[str]) -> list[str]:
        # "English; english" is one language, and a mentor ranked twice is
        # still one wish: keep the first spelling, in the order given.
        seen: set[str] = set()
        kept: list[str] = []
        for value in (v.strip() for v in values):
            if value and value.casefold() not in seen:
                seen.add(value.casefold())
                kept.append(value)
        return kept

    @model_validator(mode="after")
    def _capacity_for_mentors(self) -> NewApplication:
        if self.role is Role.MENTEE and self.capacity is not None:
            raise ValueError("capacity applies to mentors only")
        if self.role is Role.MENTOR and self.capacity is None:
            raise ValueError("a mentor application needs a capacity")
        return self

    def content(self) -> dict[str, Any]:
        """What the person said, without where it came from: the same answers
        sent from the web after a CSV import are not a new application."""
        return self.model_dump(mode="json", exclude={"cohort", "employee_id", "role", "source"})


class ApplicationOutcome(StrEnum):
    CREATED = "created"
    #: The same application again (a retry, the same CSV twice): nothing changed.
    ALREADY_RECORDED = "already_recorded"
    #: A different application for the same cohort, person and role: the one
    #: recorded first is kept, this one is refused.
    DUPLICATE = "duplicate"
    #: Replaced on purpose (``replace=True``), e.g. the person edited it.
    REPLACED = "replaced"


@dataclass(frozen=True)
class ApplicationWrite:
    application: Application
    outcome: ApplicationOutcome

    @property
    def created(self) -> bool:
        return self.outcome is ApplicationOutcome.CREATED

    @property
    def duplicate(self) -> bool:
        return self.outcome is ApplicationOutcome.DUPLICATE


def upsert_application(
    session: Session, new: NewApplication, *, replace: bool = False, at: datetime | None = None
) -> ApplicationWrite:
    """Records ``new`` once per cohort, person and role.

    The same application again is ``ALREADY_RECORDED``; a different one is a
    ``DUPLICATE`` and leaves the recorded one as it was, unless ``replace``
    (then ``REPLACED``; its status is kept, since that is the workflow's to
    change). Raises ``UnknownCohort`` or ``UnknownEmployee`` for a cohort or
    person the store does not hold.
    """
    _cohort(session, new.cohort)
    if session.get(Person, new.employee_id) is None:
        raise UnknownEmployee(f"{new.employee_id} is not in the directory")
    moment = _now(at)
    statement = (
        insert_for(session, Application)
        .values(
            cohort=new.cohort,
            employee_id=new.employee_id,
            role=new.role.value,
            source=new.source.value,
            status=ApplicationStatus.SUBMITTED.value,
            status_reason="",
            created_at=moment,
            updated_at=moment,
            **new.content(),
        )
        .on_conflict_do_nothing(
            index_elements=[Application.cohort, Application.employee_id, Application.role]
        )
    )
    created = inserted(session, statement)
    application = _application(session, new.cohort, new.employee_id, new.role)
    if created:
        return ApplicationWrite(application, ApplicationOutcome.CREATED)
    recorded = {name: getattr(application, name) for name in new.content()}
    if recorded == new.content():
        return ApplicationWrite(application, ApplicationOutcome.ALREADY_RECORDED)
    if not replace:
        return ApplicationWrite(application, ApplicationOutcome.DUPLICATE)
    for name, value in new.content().items():
        setattr(application, name, value)
    application.source = new.source.value
    application.updated_at = moment
    session.flush()
    return ApplicationWrite(application, ApplicationOutcome.REPLACED)


def get_application(
    session: Session, cohort: str, employee_id: str, role: Role
) -> Application | None:
    return session.scalar(
        select(Application)
        .where(
            Application.cohort == cohort,
            Application.employee_id == employee_id,
            Application.role == role.value,
        )
        .execution_options(populate_existing=True)
    )


def _application(session: Session, cohort: str, employee_id: str, role: Role) -> Application:
    application = get_application(session, cohort, employee_id, role)
    if application is None:
        raise UnknownApplication(f"no {role.value} application of {employee_id} to {cohort!r}")
    return application


def set_application_status(
    session: Session,
    cohort: str,
    employee_id: str,
    role: Role,
    status: ApplicationStatus,
    reason: str = "",
    *,
    at: datetime | None = None,
) -> Application:
    """Sets status and reason; ``updated_at`` moves only when something changed,
    so a retry leaves the row exactly as the first call did. Which moves are
    allowed is the ApplicationWorkflow's to decide."""
    application = _application(session, cohort, employee_id, role)
    if application.status != status.value or application.status_reason != reason:
        application.status = status.value
        application.status_reason = reason
        application.updated_at = _now(at)
        session.flush()
    return application


def list_applications(
    session: Session,
    cohort: str,
    status: ApplicationStatus | Iterable[ApplicationStatus] | None = None,
    role: Role | None = None,
) -> Sequence[Application]:
    """A cohort's applications (of one or several statuses, one role), oldest
    first, so that a matching input built from them is always in one order."""
    query = select(Application).where(Application.cohort == cohort)
    if isinstance(status, ApplicationStatus):
        query = query.where(Application.status == status.value)
    elif status is not None:
        query = query.where(Application.status.in_([s.value for s in status]))
    if role is not None:
        query = query.where(Application.role == role.value)
    return session.scalars(query.order_by(Application.created_at, Application.id)).all()


# --------------------------------------------------------------------------- matching runs


def _json(value: Any) -> Any:
    return to_jsonable_python(value, by_alias=True)


def record_matching_run(
    session: Session,
    cohort: str,
    *,
    matching_input: Any,
    weights: Any,
    result: Any,
    input_digest: str,
    matched: int,
    total_score: float,
    at: datetime | None = None,
    round_number: int | None = None,
) -> MatchingRun:
    """Stores one matching run (pydantic models or plain JSON values), of
    the cohort or of one of its evergreen rounds (``round_number``).

    A retry of the same run (the latest run of the cohort's round has the
    same digest, weights and result) returns that run instead of storing it
    twice.
    """
    _cohort(session, cohort)
    stored_input, stored_weights, stored_result = (
        _json(matching_input),
        _json(weights),
        _json(result),
    )
    latest = latest_matching_run(session, cohort, round_number)
    if (
        latest is not None
        and latest.input_digest == input_digest
        and latest.weights == stored_weights
        and latest.result == stored_result
    ):
        return latest
    run = MatchingRun(
        cohort=cohort,
        created_at=_now(at),
        input=stored_input,
        weights=stored_weights,
        result=stored_result,
        input_digest=input_digest,
        matched=matched,
        total_score=total_score,
        approved=False,
        overrides={},
        round_number=round_number,
    )
    session.add(run)
    session.flush()
    return run


def get_matching_run(session: Session, run_id: int) -> MatchingRun | None:
    return session.get(MatchingRun, run_id)


def _same_round(round_number: int | None) -> Any:
    if round_number is None:
        return MatchingRun.round_number.is_(None)
    return MatchingRun.round_number == round_number


def latest_matching_run(
    session: Session, cohort: str, round_number: int | None = None
) -> MatchingRun | None:
    """The cohort's latest run (of its evergreen round ``round_number``)."""
    return session.scalar(
        select(MatchingRun)
        .where(MatchingRun.cohort == cohort, _same_round(round_number))
        .order_by(MatchingRun.id.desc())
    )


def approve_matching_run(
    session: Session,
    run_id: int,
    overrides: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> MatchingRun:
    """HR approves a run, with their overrides (pairs dropped or forced).

    Only the cohort's latest run can be approved (HR must not approve a
    proposal a re-run has replaced), and only one run per cohort (per round
    of an evergreen program). Approving
    again with the same overrides is a no-op; with different ones, refused.
    """
    run = session.scalar(select(MatchingRun).where(MatchingRun.id == run_id).with_for_update())
    if run is None:
        raise CohortStoreError(f"no matching run {run_id}")
    wanted = _json(overrides or {})
    if run.approved:
        if run.overrides != wanted:
            raise CohortStoreError(
                f"matching run {run_id} is already approved, with other overrides"
            )
        return run
    latest = latest_matching_run(session, run.cohort, run.round_number)
    if latest is not None and latest.id != run.id:
        raise CohortStoreError(
            f"matching run {run_id} was replaced by run {latest.id}; review that one"
        )
    other = session.scalar(
        select(MatchingRun.id).where(
            MatchingRun.cohort == run.cohort,
            _same_round(run.round_number),
            MatchingRun.approved,
        )
    )
    if other is not None:
        raise CohortStoreError(f"cohort {run.cohort!r} already has an approved run ({other})")
    run.approved = True
    run.approved_at = _now(at)
    run.overrides = wanted
    session.flush()
    return run
