"""A mentoring program as HR writes it: one YAML file, validated by pydantic.

``load_program`` turns the file into a ``ProgramConfig`` or raises
``SourceError`` whose lines read ``examples/program.yaml:14:
matching.weights.expertise: Input should be greater than or equal to 0``.

The schedule fields (cadence, durations, at-risk streak) are those of
``models.ProgramSettings``, inherited with its rules, so that a program file
and a running mentorship can never disagree on what they mean;
``ProgramConfig.mentorship_settings()`` hands the workflow exactly that part.
Durations must be ISO 8601 (``P14D``, ``PT30S``) so the demo runs the same code
with seconds.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Protocol

from jinja2 import Environment, TemplateSyntaxError
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from mentorflow.addresses import EmailAddress
from mentorflow.matching.model import MatchingRules, MatchingWeights
from mentorflow.models import ProgramSettings, Role
from mentorflow.settings import get_settings
from mentorflow.yaml_source import SourceError, SourceProblem, load_yaml

# --------------------------------------------------------------------------- durations

# Weeks, days and time only: a month or a year has no fixed length, and
# pydantic would silently take P6M as 180 days.
_ISO_DURATION = re.compile(r"P(?=\d|T\d)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")


def _iso_duration(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str) and re.fullmatch(r"P[^T]*[YM].*", value.strip()):
        raise ValueError(
            f"{value!r}: months and years have no fixed length; use weeks or days (P26W, P90D)"
        )
    if not isinstance(value, str) or not _ISO_DURATION.fullmatch(value.strip()):
        raise ValueError(
            f"{value!r} is not an ISO 8601 duration in weeks, days, hours, minutes or "
            "seconds (e.g. P14D, P26W, PT30S)"
        )
    return value.strip()


#: The bounds of a duration in a program. A second is the shortest thing
#: the demo needs (PT20S check-ins); five years is longer than any mentoring
#: program means, and keeps every date a cohort can reach far from the end of
#: the calendar (``timeline_end``).
SHORTEST = timedelta(seconds=1)
LONGEST = timedelta(weeks=260)
#: Tenure is about people, not the program's timeline: a career's length.
LONGEST_TENURE = timedelta(weeks=52 * 50)


def _within(shortest: timedelta, longest: timedelta, allowed: str) -> Any:
    def check(value: timedelta) -> timedelta:
        if not shortest <= value <= longest:
            raise ValueError(f"must be {allowed}")
        return value

    return check


def iso_duration(value: timedelta) -> str:
    """``value`` in the ISO 8601 form a program file accepts (days and time).

    Pydantic writes 400 days as ``P1Y35D``, which ``_iso_duration`` refuses, so
    a program carrying a duration of a year or more would not read back in the
    workflow (its first task failing forever); every Duration is written so.
    """
    sign, value = ("-", -value) if value < timedelta(0) else ("", value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    fraction = f".{value.microseconds:06d}".rstrip("0") if value.microseconds else ""
    clock = (
        (f"{hours}H" if hours else "")
        + (f"{minutes}M" if minutes else "")
        + (f"{seconds}{fraction}S" if seconds or fraction else "")
    )
    text = (f"{value.days}D" if value.days else "") + (f"T{clock}" if clock else "")
    return f"{sign}P{text or 'T0S'}"


_WRITTEN_AS_ISO = PlainSerializer(iso_duration, return_type=str, when_used="json")

#: A duration written in ISO 8601 (``P14D``), from a second to five years;
#: numbers are refused because ``30`` would silently mean 30 seconds.
Duration = Annotated[
    timedelta,
    BeforeValidator(_iso_duration),
    AfterValidator(_within(SHORTEST, LONGEST, "at least PT1S and at most P260W (5 years)")),
    _WRITTEN_AS_ISO,
]
#: A minimum tenure: zero (none) up to fifty years.
Tenure = Annotated[
    timedelta,
    BeforeValidator(_iso_duration),
    AfterValidator(_within(timedelta(0), LONGEST_TENURE, "between P0D and P2600W (50 years)")),
    _WRITTEN_AS_ISO,
]


def _strict_model(**extra: Any) -> ConfigDict:
    # Unknown keys are typos more often than not: refuse them.
    return ConfigDict(extra="forbid", **extra)


# --------------------------------------------------------------------------- sections


class Eligibility(BaseModel):
    """Who may apply; an empty list means everyone."""

    model_config = _strict_model()

    min_tenure: Tenure = timedelta(0)
    levels: list[str] = []
    departments: list[str] = []
    #: Levels allowed to mentor (empty = the same as ``levels``).
    mentor_levels: list[str] = []


class TimeoutPolicy(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class ManagerApproval(BaseModel):
    model_config = _strict_model()

    required: bool = False
    timeout: Duration = timedelta(days=7)
    #: What a manager's silence means once ``timeout`` has passed. Rejecting
    #: is the default: participation takes the employee's time.
    on_timeout: TimeoutPolicy = TimeoutPolicy.REJECT


class Matching(BaseModel):
    model_config = _strict_model()

    weights: MatchingWeights = MatchingWeights()
    rules: MatchingRules = MatchingRules()


class AlumniInvitations(BaseModel):
    """Inviting a cohort's graduates to mentor in the program's next cohort."""

    model_config = _strict_model()

    enabled: bool = True
    #: Graduated mentees are invited when they said they would mentor, or
    #: when their mentorship went well: a mean value rating of at least this.
    min_value_rating: float = Field(default=4.0, ge=1, le=5)
    reminder_after: Duration = timedelta(days=7)
    expires_after: Duration = timedelta(days=21)
    #: After a decline, not invited again to this program for this long.
    ask_again_after: Duration = timedelta(days=180)
    #: Mentees an alumnus takes on unless they say otherwise when accepting.
    default_capacity: int = Field(default=1, ge=1, le=10)

    @model_validator(mode="after")
    def _reminder_before_expiry(self) -> AlumniInvitations:
        if self.reminder_after >= self.expires_after:
            raise ValueError("reminder_after must come before expires_after")
        return self


class Intake(StrEnum):
    """How people join: cohorts that open and close, or an evergreen program
    taking applications at any time and matching them in rounds."""

    COHORT = "cohort"
    EVERGREEN = "evergreen"


class Rounds(BaseModel):
    """The matching rounds of an evergreen program."""

    model_config = _strict_model()

    #: A round runs this often, on a Temporal Schedule, over everyone waiting;
    #: HR can run one in between (``mentorflow round run``).
    every: Duration = timedelta(days=7)
    #: Approve a round's proposal without HR's review; the approval, with the
    #: proposal's numbers, is stored on the round for the audit.
    auto_approve: bool = False


# --------------------------------------------------------------------------- program


def _not_a_sexagesimal(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 09:00 as the number 540 (minutes in base 60).
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError("write the time in quotes, e.g. '09:00'")
    return value


_SETTINGS = ProgramSettings.model_fields


class ProgramConfig(ProgramSettings):
    """A program file. The schedule fields come from ``ProgramSettings``."""

    model_config = _strict_model(populate_by_name=True)

    program_name: str = Field(alias="name", min_length=1, max_length=200)
    program_manager_email: EmailAddress
    #: Further program managers who may run the program in the HR console
    #: (``program_manager_email`` is always one of them).
    managers: list[EmailAddress] = Field(default=[], max_length=50)
    #: Whether the HR console shows what participants wrote (check-in notes,
    #: challenges, wins, survey comments). Off by default: a pair's words stay
    #: the pair's; ratings, outcomes and flags are always visible to HR.
    hr_reads_answers: bool = False
    duration: Duration = _SETTINGS["duration"].default
    introduction_timeout: Duration = _SETTINGS["introduction_timeout"].default
    goals_timeout: Duration = _SETTINGS["goals_timeout"].default
    checkin_window: Duration = _SETTINGS["checkin_window"].default
    survey_window: Duration = _SETTINGS["survey_window"].default
    checkin_local_time: Annotated[time, BeforeValidator(_not_a_sexagesimal)] = _SETTINGS[
        "checkin_local_time"
    ].default

    #: The career ladder, junior first; gives levels the rank matching uses
    #: for seniority. Empty = levels are not ranked.
    levels: list[str] = []
    eligibility: Eligibility = Eligibility()
    manager_approval: ManagerApproval = ManagerApproval()
    matching: Matching = Matching()
    default_mentor_capacity: int = Field(default=2, ge=1, le=10)
    #: ``evergreen``: applications are taken at any time and matched in
    #: ``rounds``; ``cohort`` (the default): one matching when applications close.
    intake: Intake = Intake.COHORT
    rounds: Rounds = Rounds()
    #: Mentors a mentee of an evergreen program may have over their
    #: application, one new mentor a round (the seed: seek several mentors).
    #: A mentorship that ended without a start (declined, timed out, the
    #: mentor left) or with "I'd like a new mentor" does not use one up.
    mentors_per_mentee: int = Field(default=1, ge=1, le=5)
    #: A pair whose mentor and mentee both asked for the same check-in cadence
    #: (weekly, biweekly, monthly) meets at it instead of ``cadence``, when
    #: ``cadence`` is itself one of those (a demo's seconds stay as they are).
    cadence_from_applications: bool = False
    alumni: AlumniInvitations = AlumniInvitations()
    #: How long applications stay open after the cohort is launched.
    applications_window: Duration = timedelta(days=14)
    #: A folder of email templates that replace those of ``templates/email``
    #: with the same file name; relative to the program file.
    email_templates: Path | None = None
    #: The override files' text, read when the program is loaded, so that the
    #: overrides travel with the cohort's stored program to whichever worker
    #: sends the mail (file name → template source).
    email_template_sources: dict[str, str] = {}

    @field_validator("cadence", mode="before")
    @classmethod
    def _cadence_text(cls, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("P"):
            try:
                TypeAdapter(Duration).validate_python(value)
            except ValidationError as exc:
                raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
        return value

    @field_validator("levels")
    @classmethod
    def _distinct_levels(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a level is listed twice")
        return value

    @field_validator("email_templates")
    @classmethod
    def _overrides_exist(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        # Checked against the file system only while loading a file; a stored
        # program read back elsewhere keeps the path it was checked with.
        base = (info.context or {}).get("base_dir")
        if value is None or base is None:
            return value
        folder = (Path(base) / value).resolve()
        check_email_overrides(folder)
        return folder

    @model_validator(mode="after")
    def _read_overrides(self, info: ValidationInfo) -> ProgramConfig:
        if self.email_templates is not None and (info.context or {}).get("base_dir"):
            self.email_template_sources = {
                name: (self.email_templates / name).read_text(encoding="utf-8")
                for name in check_email_overrides(self.email_templates)
            }
        return self

    @model_validator(mode="after")
    def _levels_on_the_ladder(self) -> ProgramConfig:
        if self.levels:
            for name in ("levels", "mentor_levels"):
                unknown = sorted(set(getattr(self.eligibility, name)) - set(self.levels))
                if unknown:
                    raise ValueError(
                        f"eligibility.{name}: {', '.join(unknown)} not among the program's levels"
                    )
        return self

    # ------------------------------------------------------------------- derived

    @property
    def evergreen(self) -> bool:
        return self.intake is Intake.EVERGREEN

    @property
    def manager_emails(self) -> list[str]:
        """Everyone the file names as a manager, lowercased, first named first."""
        named = [self.program_manager_email, *self.managers]
        return list(dict.fromkeys(str(email).strip().lower() for email in named))

    def timeline_end(
        self, opens_at: datetime, applications_window: timedelta | None = None
    ) -> datetime:
        """The furthest date the workflows of a cohort opened at ``opens_at``
        compute without waiting on HR: applications, the manager's answer, the
        introduction, goals, every check-in, the final survey and the alumni
        invitation with its "not again" period, one after the other.

        ``ValueError`` when that date is past the end of the calendar: the
        workflows would fail on it (``OverflowError``) instead of running.
        """
        steps = (
            applications_window or self.applications_window,
            self.manager_approval.timeout,
            self.introduction_timeout,
            self.goals_timeout,
            self.duration,
            self.cadence_period,  # the last check-in can fall a cadence late
            self.survey_window,
            self.alumni.expires_after,
            self.alumni.ask_again_after,
        )
        try:
            return opens_at + sum(steps, timedelta(0))
        except OverflowError:
            raise ValueError(
                f"a cohort opened on {opens_at:%Y-%m-%d} would run past the year 9999; "
                "shorten the program's durations"
            ) from None

    def mentorship_settings(self) -> ProgramSettings:
        """What one MentorshipWorkflow needs of this program."""
        return ProgramSettings.model_validate(
            {name: getattr(self, name) for name in ProgramSettings.model_fields}
        )

    def level_rank(self, level: str) -> int | None:
        """Position on the career ladder (0 = most junior); None if not ranked."""
        return self.levels.index(level) if level in self.levels else None

    def refusal(self, person: Applicant, role: Role, today: date) -> str | None:
        """Why ``person`` may not take part as ``role``; None when they may."""
        from mentorflow.directory import HireDateUnknown, tenure

        rules = self.eligibility
        if not person.active:
            return "no longer in the directory"
        if rules.departments and person.department not in rules.departments:
            return f"department {person.department or '(none)'} is not part of this program"
        allowed_levels = rules.levels
        if role is Role.MENTOR and rules.mentor_levels:
            allowed_levels = rules.mentor_levels
        if allowed_levels and person.level not in allowed_levels:
            return (
                f"level {person.level or '(none)'} may not take part as {role.value} "
                f"(allowed: {', '.join(allowed_levels)})"
            )
        if rules.min_tenure > timedelta(0):
            try:
                served = tenure(person, today)
            except HireDateUnknown:
                return "hire date unknown, so the minimum tenure cannot be checked"
            if served < timedelta(0):
                return "the hire date is still to come"
            if served < rules.min_tenure:
                return (
                    f"tenure of {served.days} days is below the minimum of {rules.min_tenure.days}"
                )
        return None


class Applicant(Protocol):
    """The directory fields eligibility looks at (``store.schema.Person`` has them)."""

    employee_id: str
    active: bool
    department: str
    level: str
    hire_date: date | None


# --------------------------------------------------------------------------- email overrides


def check_email_overrides(folder: Path, templates_dir: Path | None = None) -> list[str]:
    """The templates ``folder`` overrides; each file must replace one of the
    default catalogue (``templates/email``) by its exact file name and parse."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    defaults = (templates_dir or get_settings().templates_dir) / "email"
    known = {p.name for p in defaults.iterdir() if p.is_file()}
    overridden: list[str] = []
    for file in sorted(folder.iterdir()):
        if file.name.startswith(".") or not file.is_file():
            continue
        if file.name not in known:
            raise ValueError(f"{file.name} does not replace any email template")
        if file.suffix in {".txt", ".html"}:
            try:
                Environment().parse(file.read_text(encoding="utf-8"))
            except TemplateSyntaxError as exc:
                raise ValueError(f"{file.name}:{exc.lineno}: {exc.message}") from exc
        overridden.append(file.name)
    if not overridden:
        raise ValueError(f"{folder} holds no email templates")
    return overridden


# --------------------------------------------------------------------------- loading


def load_program(path: Path, shown_as: str | None = None) -> ProgramConfig:
    """The program in ``path``; ``SourceError`` naming file, line and field."""
    document = load_yaml(path, shown_as)
    if not isinstance(document.data, dict):
        line = document.line_of(())
        raise SourceError(
            [SourceProblem(document.path, line, "", "expected a mapping of program settings")]
        )
    try:
        return ProgramConfig.model_validate(
            document.data, context={"base_dir": path.resolve().parent}
        )
    except ValidationError as exc:
        raise SourceError(document.problems(exc, ProgramConfig)) from exc
