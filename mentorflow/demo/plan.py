"""The demo's script (``examples/demo.yaml``): which program, directory and
applications HR uses, how managers and applicants answer their mail, the
stories the matched pairs live through, and the words people use.

Paths in the file are relative to the file itself. The program is loaded with
``load_program``, so a demo runs exactly what HR would launch.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from mentorflow.models import Goal, Milestone, Outcome, Participant, WouldMentor
from mentorflow.program import ProgramConfig, load_program
from mentorflow.settings import PROJECT_ROOT
from mentorflow.yaml_source import SourceError, YamlDocument, load_yaml

DEFAULT_PLAN = PROJECT_ROOT / "examples" / "demo.yaml"


#: Unknown keys in the demo file are typos more often than not: refused.
STRICT = ConfigDict(extra="forbid")


class Behaviour(BaseModel):
    """How one simulated person answers their mail."""

    model_config = STRICT

    #: Check-in numbers this person lets pass without answering (nor the reminder).
    skips_checkins: list[int] = []
    #: Check-in numbers where the meeting was moved ("rescheduled").
    rescheduled_checkins: list[int] = []
    #: Answers check-ins only once the reminder arrives.
    answers_after_reminder: bool = False
    #: Mentor: asks for changes to the first proposal, with this comment.
    asks_for_goal_changes: str = ""
    #: Follows the "manage" link of this check-in's mail and ends the mentorship.
    ends_early_at_checkin: int | None = None
    end_reason: str = ""
    #: Answers this check-in, then pauses the mentorship for ``pause_seconds``.
    pauses_after_checkin: int | None = None
    pause_reason: str = ""
    pause_seconds: float = Field(default=15.0, gt=0)
    #: Answers this check-in, then leaves the organisation: the demo's HR runs
    #: a directory sync from an export without them (``mentorflow hris sync``).
    leaves_after_checkin: int | None = None
    #: A graduate who accepts the invitation to mentor in the next cohort.
    accepts_alumni_invitation: bool = False
    #: Typical "how valuable was it" (1–5) and survey rating.
    value: int = Field(default=4, ge=1, le=5)
    rating: int = Field(default=5, ge=1, le=5)
    gained: str = "Useful conversations."
    would_mentor: WouldMentor = WouldMentor.YES


class DemoPerson(Participant):
    title: str = ""
    behaviour: Behaviour = Behaviour()

    def participant(self) -> Participant:
        return Participant(
            employee_id=self.employee_id, email=self.email, name=self.name, timezone=self.timezone
        )


class DemoMilestone(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    #: Target date as weeks from today (the demo runs in minutes; dates are for show).
    weeks: int = Field(ge=0)


class DemoGoal(BaseModel):
    title: str
    description: str = ""
    milestones: list[DemoMilestone] = Field(min_length=1, max_length=5)

    def goal(self, today: date) -> Goal:
        return Goal(
            title=self.title,
            description=self.description,
            milestones=[
                Milestone(title=m.title, target_date=today + timedelta(weeks=m.weeks))
                for m in self.milestones
            ],
        )


class DemoPair(BaseModel):
    """A matched pair with the story it lives through (cast by ``stories.cast``)."""

    story: str
    mentor: DemoPerson
    mentee: DemoPerson
    goals: list[DemoGoal] = Field(min_length=1, max_length=3)
    #: What the mentee proposes after the mentor asked for changes.
    revised_goals: list[DemoGoal] | None = None
    expect: Outcome = Outcome.GRADUATED


class Story(BaseModel):
    """What a matched pair lives through; the cast gives it to ``pairs`` pairs."""

    model_config = STRICT

    #: Short: it is a column of the live table.
    title: str = Field(min_length=1, max_length=32)
    expect: Outcome = Outcome.GRADUATED
    #: How many pairs tell this story. The first story also takes every pair
    #: left over once each story has its pairs.
    pairs: int = Field(default=1, ge=0)
    mentor: Behaviour = Behaviour()
    mentee: Behaviour = Behaviour()
    #: After the mentor asked for changes, the mentee adds this milestone to
    #: each goal (making it measurable).
    revision: DemoMilestone | None = None

    @model_validator(mode="after")
    def _changes_need_a_revision(self) -> Story:
        if self.mentor.asks_for_goal_changes and self.revision is None:
            raise ValueError("a mentor who asks for goal changes needs a `revision` to answer")
        return self


class ManagerAnswers(BaseModel):
    """How managers answer the approval email, by applicant; the rest approve."""

    model_config = STRICT

    decline: dict[str, str] = {}
    #: Applicants whose manager never answers: the program's timeout policy decides.
    silent: list[str] = []


class Journal(BaseModel):
    """Phrases for the free-text parts of a check-in, picked per answer."""

    model_config = STRICT

    challenges: list[str] = Field(min_length=1)
    wins: list[str] = Field(min_length=1)
    upcoming_decisions: list[str] = Field(min_length=1)
    introductions: list[str] = Field(min_length=1)
    notes: list[str] = Field(min_length=1)


class DemoPlan(BaseModel):
    model_config = STRICT

    cohort_prefix: str = Field(default="demo", pattern=r"^[a-z][a-z0-9-]{0,40}$")
    program: ProgramConfig
    directory: Path
    applications: Path
    managers: ManagerAnswers = ManagerAnswers()
    #: Applicants who withdraw from the link in their first email, with their reason.
    withdraw: dict[str, str] = {}
    #: Milestones of every goal a mentee derives from their application;
    #: ``{mentor}`` is the mentor's first name.
    milestones: list[DemoMilestone] = Field(min_length=1, max_length=4)
    stories: list[Story] = Field(min_length=1)
    journal: Journal

    @property
    def checkins_planned(self) -> int:
        return self.program.duration // self.program.cadence_period

    @model_validator(mode="after")
    def _one_answer_each(self) -> DemoPlan:
        scripted = [*self.managers.decline, *self.managers.silent, *self.withdraw]
        twice = sorted({e for e in scripted if scripted.count(e) > 1})
        if twice:
            raise ValueError(f"{', '.join(twice)}: more than one scripted answer")
        return self


class PlanError(ValueError):
    """The demo file cannot be used; the message says where and why."""


def load_plan(path: Path = DEFAULT_PLAN) -> DemoPlan:
    """The demo file at ``path``; ``PlanError`` naming file, line and field."""
    try:
        document = load_yaml(path)
    except SourceError as exc:
        raise PlanError(f"{path} cannot be used:\n{exc}") from exc
    if not isinstance(document.data, dict):
        raise PlanError(f"{path}:1: does not describe a demo: expected a mapping")
    raw = _resolved(document, path.parent)
    try:
        return DemoPlan.model_validate(raw)
    except ValidationError as exc:
        problems = "\n".join(str(p) for p in document.problems(exc, DemoPlan))
        raise PlanError(f"{path} does not describe a demo:\n{problems}") from exc


def _resolved(document: YamlDocument, base: Path) -> dict[str, Any]:
    """File names relative to the demo file; the program file loaded (its own
    errors name its file, line and field)."""
    raw = dict(document.data)
    for key in ("program", "directory", "applications"):
        if isinstance(raw.get(key), str):
            raw[key] = base / raw[key]
            if not raw[key].is_file():
                line = document.line_of((key,))
                raise PlanError(f"{document.path}:{line}: {key}: {raw[key]} is not a file")
    if isinstance(raw.get("program"), Path):
        try:
            raw["program"] = load_program(raw["program"])
        except SourceError as exc:
            raise PlanError(f"the demo's program file is not valid:\n{exc}") from exc
    return raw
