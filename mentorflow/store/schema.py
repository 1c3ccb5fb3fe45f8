"""The system of record for people and their answers (SQLAlchemy 2).

Temporal holds where each lifecycle is; these tables hold who the people are,
what they said and which mail went out, and serve dashboards and reports.
Only activities and the web app write here; workflows never do.
Changes go through an Alembic migration in ``migrations/versions``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from mentorflow.audit import AuditResult
from mentorflow.cohorts.states import (
    ApplicationSource,
    ApplicationStatus,
    CohortStatus,
    InvitationStatus,
    PendingReason,
    RoundStatus,
    RoundTrigger,
    SyncStatus,
)
from mentorflow.models import Participant, Role
from mentorflow.notices.models import NoticeKind

# Stable constraint names so that migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    # Every column of a composite unique constraint is in its name, so two
    # constraints that start with the same column never collide.
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite would otherwise hand back
    naive datetimes and comparisons with workflow times would fail)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime(), dict: JSON}


class Person(Base):
    """An employee as the HR directory knows them."""

    __tablename__ = "people"

    employee_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    department: Mapped[str] = mapped_column(String(200), default="")
    manager_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    hire_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    level: Mapped[str] = mapped_column(String(32), default="")
    #: Extra directory columns, kept as they came.
    attributes: Mapped[dict] = mapped_column(default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]

    def participant(self) -> Participant:
        """This person as a workflow addresses them."""
        return Participant(
            employee_id=self.employee_id,
            email=self.email,
            name=self.name,
            timezone=self.timezone or "UTC",
        )


class Mentorship(Base):
    __tablename__ = "mentorships"

    #: The workflow id ``mentorship:{cohort}:{mentor}:{mentee}``.
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    cohort: Mapped[str] = mapped_column(String(128), index=True)
    # Indexed: "the mentorships of this person" serves pages and HRIS leavers.
    mentor_id: Mapped[str] = mapped_column(ForeignKey("people.employee_id"), index=True)
    mentee_id: Mapped[str] = mapped_column(ForeignKey("people.employee_id"), index=True)
    program: Mapped[dict] = mapped_column(default=dict)
    phase: Mapped[str] = mapped_column(String(32), default="introduction")
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Null while running; a ``models.Outcome`` once closed.
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    outcome_reason: Mapped[str] = mapped_column(Text, default="")
    #: Ended early with the mentee asking for a new mentor: an evergreen
    #: program's next round matches them again.
    wants_new_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: The workflow's ``MentorshipResult`` once closed.
    result: Mapped[dict | None] = mapped_column(nullable=True)
    #: Workflow time of the status last applied: a late retry of an older
    #: status record must not roll the phase back.
    status_at: Mapped[datetime | None] = mapped_column(nullable=True)

    mentor: Mapped[Person] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Person] = relationship(foreign_keys=[mentee_id])
    goals: Mapped[list[Goal]] = relationship(
        back_populates="mentorship", order_by="Goal.position", cascade="all, delete-orphan"
    )
    checkins: Mapped[list[CheckIn]] = relationship(
        back_populates="mentorship", order_by="CheckIn.number", cascade="all, delete-orphan"
    )
    surveys: Mapped[list[SurveyResponse]] = relationship(
        order_by="SurveyResponse.submitted_at", cascade="all, delete-orphan"
    )


class MentorshipEventRow(Base):
    """Audit trail: every step of every mentorship, in order."""

    __tablename__ = "mentorship_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mentorship_id: Mapped[str] = mapped_column(ForeignKey("mentorships.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(64), nullable=True)
    detail: Mapped[dict] = mapped_column(default=dict)
    #: Deterministic (workflow id + step) so a retried activity records once.
    dedupe_key: Mapped[str] = mapped_column(String(400), unique=True)


class Goal(Base):
    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Indexed by the leading column of the (mentorship_id, position) constraint.
    mentorship_id: Mapped[str] = mapped_column(ForeignKey("mentorships.id"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Null while the mentee's proposal waits for the mentor's agreement.
    agreed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    proposed_by: Mapped[str] = mapped_column(String(64), default="")

    mentorship: Mapped[Mentorship] = relationship(back_populates="goals")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="goal", order_by="Milestone.position", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("mentorship_id", "position"),)


class Milestone(Base):
    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    target_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(32), default="not_started")
    done_at: Mapped[datetime | None] = mapped_column(nullable=True)

    goal: Mapped[Goal] = relationship(back_populates="milestones")

    __table_args__ = (UniqueConstraint("goal_id", "position"),)


class CheckIn(Base):
    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mentorship_id: Mapped[str] = mapped_column(ForeignKey("mentorships.id"))
    number: Mapped[int]
    due_date: Mapped[date] = mapped_column(Date)
    #: Per participant (employee id → ISO time): their own 09:00 local window.
    opens: Mapped[dict] = mapped_column(default=dict)
    closes: Mapped[dict] = mapped_column(default=dict)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    mentorship: Mapped[Mentorship] = relationship(back_populates="checkins")
    answers: Mapped[list[CheckInResponse]] = relationship(
        back_populates="checkin", cascade="all, delete-orphan"
    )

    __table_args__ = (UniqueConstraint("mentorship_id", "number"),)


class CheckInResponse(Base):
    """One participant's answer to one check-in."""

    __tablename__ = "checkin_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"))
    participant_id: Mapped[str] = mapped_column(String(64))
    met: Mapped[str] = mapped_column(String(16))
    value: Mapped[int | None] = mapped_column(Integer, nullable=True)
    milestone_progress: Mapped[dict] = mapped_column(default=dict)
    challenges: Mapped[str] = mapped_column(Text, default="")
    wins: Mapped[str] = mapped_column(Text, default="")
    upcoming_decisions: Mapped[str] = mapped_column(Text, default="")
    introductions: Mapped[str] = mapped_column(Text, default="")
    blockers: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime]

    checkin: Mapped[CheckIn] = relationship(back_populates="answers")

    __table_args__ = (UniqueConstraint("checkin_id", "participant_id"),)


class SurveyResponse(Base):
    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mentorship_id: Mapped[str] = mapped_column(ForeignKey("mentorships.id"))
    kind: Mapped[str] = mapped_column(String(16))
    participant_id: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    rating: Mapped[int]
    gained: Mapped[str] = mapped_column(Text, default="")
    would_mentor: Mapped[str | None] = mapped_column(String(8), nullable=True)
    #: The whole ``SurveyAnswer`` as submitted.
    answers: Mapped[dict] = mapped_column(default=dict)
    submitted_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("mentorship_id", "kind", "participant_id"),)


class OutboxMessage(Base):
    """Every email, keyed by its idempotency key: one row, one message, ever."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(400), unique=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    mentorship_id: Mapped[str | None] = mapped_column(String(255), index=True, nullable=True)
    template: Mapped[str] = mapped_column(String(64))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(400))
    #: pending → sending (claimed by one sender) → sent; back to pending after
    #: a transient failure; ``failed`` after a permanent (5xx) refusal.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: Who is sending it now (process and attempt) and since when: a claim
    #: older than the outbox's stale limit is taken over (its sender died).
    claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: The ``EmailRequest`` it was sent for (JSON), so HR can have the same
    #: email sent again under a new key; None for mail sent before 0007.
    request: Mapped[dict | None] = mapped_column(nullable=True)


class ApplyLinkWindow(Base):
    """The apply-link rate limit: the hour in which a person's last link mail
    was asked for, whatever the cohort. One row per person; a new window
    opens only once the last one is over."""

    __tablename__ = "apply_link_windows"

    employee_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    opened_at: Mapped[datetime]


class UsedLink(Base):
    """Signed links are single use: a link's id is claimed here before it acts."""

    __tablename__ = "used_links"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    workflow_id: Mapped[str] = mapped_column(String(255))
    participant_id: Mapped[str] = mapped_column(String(64))
    #: ``claimed`` while the action is in flight, ``used`` once it took effect.
    state: Mapped[str] = mapped_column(String(16), default="claimed")
    used_at: Mapped[datetime]


class PendingAnswer(Base):
    """An answer the web app took while the workflow could not (worker down,
    server slow): kept with the link's claims and the form as sent, and
    delivered later as the same update (the link id is its update id)."""

    __tablename__ = "pending_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    workflow_id: Mapped[str] = mapped_column(String(255))
    participant_id: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(64), default="")
    expires_at: Mapped[datetime]
    form: Mapped[dict] = mapped_column(default=dict)
    received_at: Mapped[datetime]
    #: pending → delivered, or refused (the workflow's validator said no).
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    delivered_at: Mapped[datetime | None] = mapped_column(nullable=True)


# --------------------------------------------------------------------------- cohorts


def _one_of(column: str, values: type[StrEnum]) -> str:
    """A CHECK that keeps a status column to its enum's words."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Cohort(Base):
    """One run of a program: the applications, the matching and the pairs."""

    __tablename__ = "cohorts"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    program_name: Mapped[str] = mapped_column(String(200))
    #: The whole ``ProgramConfig`` as launched: editing the file afterwards
    #: does not change a cohort under way.
    program: Mapped[dict] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=CohortStatus.OPEN.value)
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    created_at: Mapped[datetime]

    __table_args__ = (CheckConstraint(_one_of("status", CohortStatus), name="status"),)


class Application(Base):
    """Someone applying to a cohort as mentor or mentee (both = two rows)."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cohort: Mapped[str] = mapped_column(ForeignKey("cohorts.name"))
    # Indexed: "this person's applications" serves their page and HRIS leavers.
    employee_id: Mapped[str] = mapped_column(ForeignKey("people.employee_id"), index=True)
    role: Mapped[str] = mapped_column(String(8))
    #: Mentees a mentor takes on; null for a mentee.
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    expertise: Mapped[str] = mapped_column(Text, default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    interests: Mapped[str] = mapped_column(Text, default="")
    preferred_cadence: Mapped[str] = mapped_column(String(32), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: Employee ids of wished-for mentors, most wanted first.
    mentor_preferences: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default=ApplicationStatus.SUBMITTED.value)
    #: Why it is ineligible, rejected, withdrawn or waitlisted, for the person.
    status_reason: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    person: Mapped[Person] = relationship()

    __table_args__ = (
        UniqueConstraint("cohort", "employee_id", "role"),
        CheckConstraint(_one_of("role", Role), name="role"),
        CheckConstraint(_one_of("status", ApplicationStatus), name="status"),
        CheckConstraint(_one_of("source", ApplicationSource), name="source"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity"),
    )


class MatchingRun(Base):
    """One run of the matching engine, kept whole so it can be audited and
    reproduced: the same input (``input_digest``) gives the same result."""

    __tablename__ = "matching_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cohort: Mapped[str] = mapped_column(ForeignKey("cohorts.name"), index=True)
    created_at: Mapped[datetime]
    input: Mapped[dict] = mapped_column()
    weights: Mapped[dict] = mapped_column()
    result: Mapped[dict] = mapped_column()
    #: sha256 of the canonical JSON of ``input``.
    input_digest: Mapped[str] = mapped_column(String(64))
    matched: Mapped[int] = mapped_column(Integer)
    total_score: Mapped[float] = mapped_column(Float)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: HR's changes on approval (pairs dropped, pairs forced).
    overrides: Mapped[dict] = mapped_column(default=dict)
    #: The evergreen round this run was made for; null for a cohort's run.
    round_number: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MatchingRound(Base):
    """One matching round of an evergreen program's intake (a cohort that
    never closes): who was waiting, what was proposed and how it was approved."""

    __tablename__ = "matching_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    cohort: Mapped[str] = mapped_column(ForeignKey("cohorts.name"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=RoundStatus.MATCHING.value)
    trigger: Mapped[str] = mapped_column(String(16))
    #: Who asked for it: an HR email, or "schedule".
    requested_by: Mapped[str] = mapped_column(String(320), default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("matching_runs.id"), nullable=True)
    waiting_mentees: Mapped[int] = mapped_column(Integer, default=0)
    mentors_with_room: Mapped[int] = mapped_column(Integer, default=0)
    pairs: Mapped[int] = mapped_column(Integer, default=0)
    auto_approved: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Why it was approved or ended as it did, in words kept for the audit.
    note: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (
        UniqueConstraint("cohort", "number"),
        CheckConstraint(_one_of("status", RoundStatus), name="status"),
        CheckConstraint(_one_of("trigger", RoundTrigger), name="trigger"),
    )


class HrisSync(Base):
    """One directory sync: where it came from, what it found and whether it
    was applied, for audit and for ``mentorflow hris sync``'s report."""

    __tablename__ = "hris_syncs"

    sync_id: Mapped[str] = mapped_column(String(160), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=SyncStatus.PULLING.value)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    joiners: Mapped[int] = mapped_column(Integer, default=0)
    movers: Mapped[int] = mapped_column(Integer, default=0)
    leavers: Mapped[int] = mapped_column(Integer, default=0)
    #: Why it was refused or failed, in plain words.
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The diff as applied (ids and changed fields), for audit.
    summary: Mapped[dict] = mapped_column(default=dict)

    __table_args__ = (
        CheckConstraint(_one_of("status", SyncStatus), name="status"),
        CheckConstraint("source IN ('csv', 'scim')", name="source"),
    )


class HrisStagedPage(Base):
    """One page of users pulled from a SCIM service during a sync. Pages are
    kept until the sync applies, so that a worker killed mid-pull resumes at
    the next page and the diff is computed from the whole directory at once."""

    __tablename__ = "hris_staged_pages"

    sync_id: Mapped[str] = mapped_column(ForeignKey("hris_syncs.sync_id"), primary_key=True)
    start_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    users: Mapped[list[dict]] = mapped_column(JSON, default=list)
    fetched_at: Mapped[datetime]


class PendingApplication(Base):
    """Someone who will apply to the next cohort of a program when it opens:
    an alumnus who accepted the invitation to mentor, or a mentee whose mentor
    left. ``key`` makes holding the same person twice a no-op."""

    __tablename__ = "pending_applications"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    program_name: Mapped[str] = mapped_column(String(200), index=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("people.employee_id"))
    role: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))
    #: The ``ApplicationDetails`` to submit (expertise, capacity, languages...).
    details: Mapped[dict] = mapped_column(default=dict)
    #: Shown to the person and HR: why they are carried over.
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    #: The cohort it was submitted to; null while waiting.
    admitted_cohort: Mapped[str | None] = mapped_column(
        ForeignKey("cohorts.name"), nullable=True, index=True
    )
    admitted_at: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (
        CheckConstraint(_one_of("role", Role), name="role"),
        CheckConstraint(_one_of("reason", PendingReason), name="reason"),
    )


class AlumniInvitation(Base):
    """A graduate invited to mentor in the program's next cohort."""

    __tablename__ = "alumni_invitations"

    workflow_id: Mapped[str] = mapped_column(String(240), primary_key=True)
    employee_id: Mapped[str] = mapped_column(ForeignKey("people.employee_id"), index=True)
    program_name: Mapped[str] = mapped_column(String(200))
    #: The cohort they graduated from.
    cohort: Mapped[str] = mapped_column(ForeignKey("cohorts.name"))
    status: Mapped[str] = mapped_column(String(16), default=InvitationStatus.INVITED.value)
    invited_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: After a decline: not invited again to this program before this moment.
    ask_again_after: Mapped[datetime | None] = mapped_column(nullable=True)

    __table_args__ = (CheckConstraint(_one_of("status", InvitationStatus), name="status"),)


class HrNotice(Base):
    """Something HR should know about a pair (it did not start, was declined,
    ended early, someone left): kept for the console, sent in the daily digest."""

    __tablename__ = "hr_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: Deterministic (``{mentorship_id}:ended``) so a retried activity records once.
    key: Mapped[str] = mapped_column(String(400), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    program_name: Mapped[str] = mapped_column(String(200), index=True)
    manager_email: Mapped[str] = mapped_column(String(320))
    cohort: Mapped[str] = mapped_column(String(128), index=True)
    mentorship_id: Mapped[str | None] = mapped_column(
        ForeignKey("mentorships.id"), nullable=True, index=True
    )
    mentor_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    mentee_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    subject: Mapped[str] = mapped_column(String(400))
    #: The reason and who ended it (ids only: names are read when shown).
    detail: Mapped[dict] = mapped_column(default=dict)
    happened_at: Mapped[datetime]
    #: The UTC day it happened: digests and the console group by it.
    day: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime]
    #: The digest it was put in (its outbox key), and when that was sent.
    digest_key: Mapped[str | None] = mapped_column(String(400), nullable=True, index=True)
    digested_at: Mapped[datetime | None] = mapped_column(nullable=True)
    #: For the console: HR marks a notice dealt with, and says how.
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(320), nullable=True)
    resolution: Mapped[str] = mapped_column(Text, default="")

    mentorship: Mapped[Mentorship | None] = relationship()

    __table_args__ = (CheckConstraint(_one_of("kind", NoticeKind), name="kind"),)


class AuditEntry(Base):
    """One HR action or refused attempt, append-only: the store offers no
    function that updates or deletes a row (``mentorflow.store.audit``)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Indexed: the log is read newest first and per person.
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(320), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(500), default="")
    detail: Mapped[dict] = mapped_column(default=dict)
    result: Mapped[str] = mapped_column(String(16))
    #: Ties the row to the request (and the web log line) that made it.
    request_id: Mapped[str] = mapped_column(String(64), default="")

    # No CHECK on ``action``: the console's actions join the list without a
    # migration each; ``AuditRecord`` keeps the words to ``AuditAction``.
    __table_args__ = (CheckConstraint(_one_of("result", AuditResult), name="result"),)


class AtRiskFollowUp(Base):
    """HR followed up an at-risk flag: who, when, with what note. A flag is
    one streak, named by the check-in that raised it, so a new streak of the
    same pair is a new flag to follow up."""

    __tablename__ = "at_risk_follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mentorship_id: Mapped[str] = mapped_column(ForeignKey("mentorships.id"), index=True)
    #: The check-in whose close made the pair at risk (the streak's flag).
    flag_checkin: Mapped[int] = mapped_column(Integer)
    by: Mapped[str] = mapped_column(String(320))
    at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")


class ApiKey(Base):
    """A key an administrator issued for an integration. Only the secret's
    keyed hash is kept: the key itself is shown once, at issue."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    #: The public part of ``mfk_<key_id>_<secret>``: finds the row to check.
    key_id: Mapped[str] = mapped_column(String(32), unique=True)
    #: HMAC-SHA256 of the secret under a pepper derived from the secret key, hex.
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    #: ``administrator`` or ``program_manager`` (of ``programs``).
    role: Mapped[str] = mapped_column(String(32))
    programs: Mapped[list[str]] = mapped_column(JSON, default=list)
    issued_by: Mapped[str] = mapped_column(String(320))
    issued_at: Mapped[datetime] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(320), default=None)

    __table_args__ = (CheckConstraint("role IN ('administrator', 'program_manager')", name="role"),)
