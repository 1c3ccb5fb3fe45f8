"""Pydantic models that cross process boundaries: workflow inputs, updates,
signals, queries and activity arguments.

Each workflow, activity, update and signal takes exactly one of these, so that
fields can be added later (with defaults) without breaking running workflows.
Durations are ``timedelta`` and travel as ISO 8601 (``P14D``, ``PT30S``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

# --------------------------------------------------------------------------- people


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class Participant(BaseModel):
    employee_id: str
    email: str
    name: str
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


# --------------------------------------------------------------------------- program

NAMED_CADENCES: dict[str, timedelta] = {
    "weekly": timedelta(weeks=1),
    "biweekly": timedelta(weeks=2),
    # A month is taken as four weeks so that check-ins fall on the same weekday.
    "monthly": timedelta(weeks=4),
}


class QuestionKind(StrEnum):
    RATING = "rating"  # 1–5
    TEXT = "text"


# Names the built-in survey answer already uses (``SurveyAnswer``).
_BUILT_IN_ANSWERS = {"by", "kind", "rating", "gained", "working_well", "goals_achieved"}
_BUILT_IN_ANSWERS |= {"would_mentor", "comments", "extra"}


class SurveyQuestion(BaseModel):
    """A question a program adds to its surveys."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    text: str = Field(min_length=1, max_length=300)
    kind: QuestionKind

    @field_validator("id")
    @classmethod
    def _not_built_in(cls, value: str) -> str:
        if value in _BUILT_IN_ANSWERS:
            raise ValueError(f"{value!r} is a built-in survey answer; choose another id")
        return value


def _unique_ids(questions: list[SurveyQuestion]) -> list[SurveyQuestion]:
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise ValueError(f"question id {question.id!r} is used twice")
        seen.add(question.id)
    return questions


Questions = Annotated[list[SurveyQuestion], AfterValidator(_unique_ids)]


class SurveyQuestions(BaseModel):
    """Questions a program adds to the built-in mid-point and final surveys."""

    model_config = ConfigDict(extra="forbid")

    midpoint: Questions = []
    final: Questions = []

    def of(self, kind: SurveyKind) -> list[SurveyQuestion]:
        return self.midpoint if kind == SurveyKind.MIDPOINT else self.final


class ProgramSettings(BaseModel):
    """The part of a program's configuration that one mentorship needs."""

    program_name: str = "Mentoring program"
    program_manager_email: str = "hr@localhost"
    cadence: str = "biweekly"
    duration: timedelta = timedelta(days=182)
    introduction_timeout: timedelta = timedelta(days=7)
    goals_timeout: timedelta = timedelta(days=14)
    checkin_window: timedelta = timedelta(days=3)
    survey_window: timedelta = timedelta(days=7)
    #: Local time at which check-ins go out (cadences of a day or more only).
    checkin_local_time: time = time(9, 0)
    #: Consecutive missed or not-met check-ins that make a pair "at risk".
    at_risk_streak: int = Field(default=2, ge=1)
    #: Ceiling on check-ins in one workflow run before continue-as-new (besides
    #: the server's own suggestion); keeps histories small for years-long pairs.
    max_checkins_per_run: int = Field(default=26, ge=1)
    #: The program's own questions, asked after the built-in ones.
    survey_questions: SurveyQuestions = SurveyQuestions()

    @field_validator("cadence")
    @classmethod
    def _cadence(cls, value: str) -> str:
        if value in NAMED_CADENCES:
            return value
        from pydantic import TypeAdapter

        try:
            period = TypeAdapter(timedelta).validate_python(value)
        except Exception as exc:
            raise ValueError(
                "cadence must be weekly, biweekly, monthly or an ISO 8601 duration"
            ) from exc
        if period <= timedelta(0):
            raise ValueError("cadence must be positive")
        return value

    @model_validator(mode="after")
    def _windows_fit(self) -> ProgramSettings:
        if self.checkin_window > self.cadence_period:
            raise ValueError("checkin_window must not be longer than the cadence")
        if self.duration < self.cadence_period:
            raise ValueError("duration must be at least one cadence")
        return self

    @property
    def cadence_period(self) -> timedelta:
        if self.cadence in NAMED_CADENCES:
            return NAMED_CADENCES[self.cadence]
        from pydantic import TypeAdapter

        return TypeAdapter(timedelta).validate_python(self.cadence)

    @property
    def aligns_to_local_time(self) -> bool:
        """Day-scale cadences go out at 09:00 local; the demo's seconds do not."""
        return self.cadence_period >= timedelta(days=1)


# --------------------------------------------------------------------------- goals


class MilestoneStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Milestone(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    target_date: date
    status: MilestoneStatus = MilestoneStatus.NOT_STARTED


class Goal(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    milestones: list[Milestone] = Field(min_length=1, max_length=5)


# --------------------------------------------------------------------------- lifecycle


class Phase(StrEnum):
    INTRODUCTION = "introduction"
    GOALS = "goals"
    CHECKINS = "checkins"
    FINAL_SURVEY = "final_survey"
    CLOSED = "closed"


class Outcome(StrEnum):
    GRADUATED = "graduated"
    NOT_STARTED = "not_started"  # introduction timed out
    DECLINED = "declined"  # one side declined the introduction
    ENDED_EARLY = "ended_early"
    PARTICIPANT_LEFT = "participant_left"


class MeetingStatus(StrEnum):
    YES = "yes"
    NO = "no"
    RESCHEDULED = "rescheduled"


class CheckInOutcome(StrEnum):
    HELD = "held"
    RESCHEDULED = "rescheduled"
    NOT_MET = "not_met"
    MISSED = "missed"  # nobody answered


class SurveyKind(StrEnum):
    MIDPOINT = "midpoint"
    FINAL = "final"


class WouldMentor(StrEnum):
    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


class MentorshipState(BaseModel):
    """What is carried over continue-as-new (everything else is derived)."""

    phase: Phase = Phase.INTRODUCTION
    confirmed: list[str] = []
    goals: list[Goal] = []
    goals_agreed_at: datetime | None = None
    checkins_start: datetime | None = None
    next_checkin: int = 1
    checkins_held: int = 0
    checkins_missed: int = 0
    missed_streak: int = 0
    at_risk: bool = False
    midpoint_done: bool = False
    #: Time spent paused so far; pushes every later date back by as much.
    paused_total: timedelta = timedelta(0)
    value_ratings: list[int] = []
    #: The SEQUENCE of the last check-in invitation sent (None: none sent yet).
    calendar_sequence: int | None = None


class PartnerFacts(BaseModel):
    """What one side of a pair learns about the other at the introduction:
    from the directory and from what they applied with (never the notes
    meant for the program team)."""

    title: str = ""
    department: str = ""
    #: A mentor's offered expertise; a mentee's goals and interests.
    expertise: str = ""
    goals: str = ""
    interests: str = ""
    languages: list[str] = []


class Introduction(BaseModel):
    """Why the engine paired these two, for the introduction mail and page."""

    mentor: PartnerFacts = PartnerFacts()
    mentee: PartnerFacts = PartnerFacts()
    #: The matching explanation in plain words, e.g. "You were paired because
    #: Ana's expertise in Kubernetes matches Ben's goals, you both speak
    #: Portuguese, and you are in different departments."
    why: str = ""


class AlumniPromise(BaseModel):
    """What the program's alumni invitations will do when the cohort closes
    (``ProgramConfig.alumni``), so that the graduation email promises an
    invitation only to someone the closing cohort invites."""

    enabled: bool = True
    #: A graduated mentee whose meetings' mean value reached this is invited
    #: (as is one who said they would mentor, and every graduated mentor).
    min_value_rating: float = 4.0

    def invites(
        self, role: Role, would_mentor: WouldMentor | None, mean_value: float | None
    ) -> bool:
        if not self.enabled:
            return False
        if role is Role.MENTOR:
            return True
        went_well = mean_value is not None and mean_value >= self.min_value_rating
        return would_mentor is WouldMentor.YES or went_well


class MentorshipInput(BaseModel):
    cohort: str
    program: ProgramSettings
    mentor: Participant
    mentee: Participant
    #: Set only by continue-as-new.
    state: MentorshipState | None = None
    #: Filled where the cohort starts its pairs (None in older workflows).
    introduction: Introduction | None = None
    #: The program's alumni invitations (None in older workflows: the
    #: graduation email then promises nothing).
    alumni: AlumniPromise | None = None
    #: The workflow told by signal when the pair closes (its cohort or
    #: matching round); None for pairs started as a cohort's children.
    reports_to: str | None = None
    #: An evergreen program: a mentee ending early may ask for a new mentor,
    #: found in the program's next matching round.
    rematch: bool = False

    @model_validator(mode="after")
    def _two_people(self) -> MentorshipInput:
        if self.mentor.employee_id == self.mentee.employee_id:
            raise ValueError("a mentor cannot mentor themselves")
        return self

    @property
    def workflow_id(self) -> str:
        return mentorship_workflow_id(self.cohort, self.mentor.employee_id, self.mentee.employee_id)


def mentorship_workflow_id(cohort: str, mentor_id: str, mentee_id: str) -> str:
    return f"mentorship:{cohort}:{mentor_id}:{mentee_id}"


class PairClosed(BaseModel):
    """A pair's word to its cohort that it closed: a wake-up only; the
    cohort counts outcomes from the store, so a lost or repeated signal
    changes no tally."""

    mentorship_id: str
    outcome: Outcome


class MentorshipResult(BaseModel):
    mentorship_id: str
    outcome: Outcome
    reason: str = ""
    checkins_held: int = 0
    checkins_missed: int = 0
    goals: int = 0
    milestones_done: int = 0
    milestones_total: int = 0
    mean_value: float | None = None
    #: Ended early with "I'd like a new mentor".
    wants_new_mentor: bool = False


# --------------------------------------------------------------------------- updates / signals
# Every participant action names who acts (``by``) so that the update validator
# can reject someone outside the pair before the action enters history.


class IntroductionAnswer(BaseModel):
    by: str
    accept: bool
    reason: str = ""
    #: When the web app took the answer, for one delivered later (the worker
    #: was down): the window is judged by this moment, not the delivery's.
    received_at: datetime | None = None


class GoalProposal(BaseModel):
    by: str
    goals: list[Goal] = Field(min_length=1, max_length=3)
    #: When the web app took the answer, for one delivered later (the worker
    #: was down): the window is judged by this moment, not the delivery's.
    received_at: datetime | None = None


class GoalReview(BaseModel):
    by: str
    agree: bool
    comment: str = ""
    #: When the web app took the answer, for one delivered later (the worker
    #: was down): the window is judged by this moment, not the delivery's.
    received_at: datetime | None = None


class CheckInAnswer(BaseModel):
    by: str
    number: int
    met: MeetingStatus
    value: int | None = Field(default=None, ge=1, le=5)
    #: Milestone key ``"{goal}.{milestone}"`` (0-based) to its new status.
    milestone_progress: dict[str, MilestoneStatus] = {}
    challenges: str = ""
    wins: str = ""
    upcoming_decisions: str = ""
    introductions: str = ""
    blockers: str = ""
    notes: str = ""
    #: When the web app took the answer, for one delivered later (the worker
    #: was down): the window is judged by this moment, not the delivery's.
    received_at: datetime | None = None


class SurveyAnswer(BaseModel):
    by: str
    kind: SurveyKind
    rating: int = Field(ge=1, le=5)
    gained: str = ""
    #: Midpoint: "is the relationship working for you?"
    working_well: bool | None = None
    goals_achieved: int | None = Field(default=None, ge=0)
    #: Mentee, final survey: "would you mentor others?"
    would_mentor: WouldMentor | None = None
    comments: str = ""
    #: Answers to the program's own questions, by question id.
    extra: dict[str, int | str] = {}
    #: When the web app took the answer, for one delivered later (the worker
    #: was down): the window is judged by this moment, not the delivery's.
    received_at: datetime | None = None


class EndRequest(BaseModel):
    by: str  # an employee id in the pair, or "hr"
    reason: str = Field(min_length=1, max_length=2000)
    #: The mentee (or HR for them) asks to be matched again: an evergreen
    #: program's next round finds them a new mentor.
    wants_new_mentor: bool = False


class PauseRequest(BaseModel):
    by: str
    reason: str = ""


class ResumeRequest(BaseModel):
    by: str


class ParticipantLeft(BaseModel):
    employee_id: str
    reason: str = "left the organisation"


class ActionReceipt(BaseModel):
    """What an update returns to the page that submitted it."""

    accepted: bool = True
    message: str


# --------------------------------------------------------------------------- query


class CheckInView(BaseModel):
    number: int
    #: Per participant: when their window opens and closes.
    opens: dict[str, datetime] = {}
    closes: dict[str, datetime] = {}
    #: Who may answer right now (their window is open).
    open_for: list[str] = []
    answered_by: list[str] = []
    outcome: CheckInOutcome | None = None


class SurveyView(BaseModel):
    kind: SurveyKind
    closes: datetime | None = None
    answered_by: list[str] = []
    done: bool = False


class MentorshipSnapshot(BaseModel):
    mentorship_id: str
    cohort: str
    phase: Phase
    paused: bool
    mentor: Participant
    mentee: Participant
    introduction: Introduction | None = None
    confirmed: list[str]
    goals: list[Goal]
    goals_proposed: bool
    goals_feedback: str = ""
    checkins: list[CheckInView]
    checkins_held: int
    checkins_missed: int
    missed_streak: int
    at_risk: bool
    surveys: list[SurveyView]
    next_event_at: datetime | None
    #: Activities (emails, store writes) the workflow is waiting for right now;
    #: ``next_event_at`` is only settled when this is zero.
    steps_in_flight: int = 0
    outcome: Outcome | None = None
    outcome_reason: str = ""
    survey_questions: SurveyQuestions = SurveyQuestions()
    #: The mentee may ask for a new mentor when ending early (evergreen program).
    rematch: bool = False


# --------------------------------------------------------------------------- activities


class LinkSpec(BaseModel):
    """A signed link that the email activity mints for its message."""

    name: str  # key in the template's ``links`` mapping
    purpose: Literal[
        "introduction",
        "goals",
        "review",
        "checkin",
        "survey",
        "end",
        "approval",
        "withdraw",
        "alumni",
    ]
    participant_id: str
    ref: str = ""  # check-in number or survey kind
    expires_at: datetime
    #: Set when the link belongs to a response window that opens with its
    #: email: it then expires this long after the email goes out (and
    #: ``expires_at`` is only the workflow's estimate).
    expires_in: timedelta | None = None


class EmailRequest(BaseModel):
    #: Deterministic, e.g. ``mentorship:{id}:checkin:{n}:{participant}``: unique in
    #: the outbox and the source of the Message-ID, so a retry never sends twice.
    idempotency_key: str
    template: str
    to: Participant
    mentorship_id: str | None = None
    #: The workflow that the email's links act on (default: the mentorship).
    workflow_id: str | None = None
    context: dict[str, Any] = {}
    links: list[LinkSpec] = []
    cc: list[str] = []
    #: Context keys the activity sets to the moment the message goes out plus
    #: this offset (ISO 8601): a response window's end as the person sees it
    #: is counted from when the email really left, not from when it was asked.
    deadlines: dict[str, timedelta] = {}


class EmailReceipt(BaseModel):
    message_id: str
    already_sent: bool
    #: When the SMTP server accepted the message (for a message sent by an
    #: earlier attempt, when that happened), on the Temporal server's clock,
    #: the one ``workflow.now()`` reads. None from workers before this field.
    sent_at: datetime | None = None


class MentorshipEvent(BaseModel):
    """One step of a mentorship, recorded in the store's read model."""

    mentorship_id: str
    kind: str
    at: datetime
    actor: str | None = None
    detail: dict[str, Any] = {}


class MentorshipRecord(BaseModel):
    mentorship_id: str
    cohort: str
    program: ProgramSettings
    mentor: Participant
    mentee: Participant
    started_at: datetime


class GoalsRecord(BaseModel):
    mentorship_id: str
    goals: list[Goal]
    agreed_at: datetime | None
    proposed_by: str


class CheckInOpened(BaseModel):
    mentorship_id: str
    number: int
    due_date: date
    opens: dict[str, datetime]
    closes: dict[str, datetime]


class CheckInAnswerRecord(BaseModel):
    mentorship_id: str
    answer: CheckInAnswer
    submitted_at: datetime


class CheckInClosed(BaseModel):
    mentorship_id: str
    number: int
    outcome: CheckInOutcome
    closed_at: datetime


class SurveyAnswerRecord(BaseModel):
    mentorship_id: str
    role: Role
    answer: SurveyAnswer
    submitted_at: datetime


class StatusRecord(BaseModel):
    mentorship_id: str
    phase: Phase
    paused: bool = False
    outcome: Outcome | None = None
    reason: str = ""
    at: datetime
    result: MentorshipResult | None = None
