"""The demo's script (``examples/demo.yaml``): the program with durations of
seconds, the pairs, what each person will do, and the words they will use."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from mentorflow.models import (
    Goal,
    Milestone,
    Outcome,
    Participant,
    ProgramSettings,
    WouldMentor,
)
from mentorflow.settings import PROJECT_ROOT

DEFAULT_PLAN = PROJECT_ROOT / "examples" / "demo.yaml"


class Behaviour(BaseModel):
    """How one simulated person answers their mail."""

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
    title: str
    #: Target date as weeks from today (the demo runs in minutes; dates are for show).
    weeks: int = Field(ge=0)


class DemoGoal(BaseModel):
    title: str
    description: str = ""
    milestones: list[DemoMilestone] = Field(min_length=1, max_length=3)

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
    story: str
    mentor: DemoPerson
    mentee: DemoPerson
    goals: list[DemoGoal] = Field(min_length=1, max_length=3)
    #: What the mentee proposes after the mentor asked for changes.
    revised_goals: list[DemoGoal] | None = None
    expect: Outcome = Outcome.GRADUATED


class Journal(BaseModel):
    """Phrases for the free-text parts of a check-in, picked per answer."""

    challenges: list[str] = Field(min_length=1)
    wins: list[str] = Field(min_length=1)
    upcoming_decisions: list[str] = Field(min_length=1)
    introductions: list[str] = Field(min_length=1)
    notes: list[str] = Field(min_length=1)


class DemoPlan(BaseModel):
    cohort_prefix: str = "demo"
    program: ProgramSettings
    journal: Journal
    pairs: list[DemoPair] = Field(min_length=1)

    @property
    def checkins_planned(self) -> int:
        return self.program.duration // self.program.cadence_period


class PlanError(ValueError):
    """The demo file cannot be used; the message says where and why."""


def load_plan(path: Path = DEFAULT_PLAN) -> DemoPlan:
    try:
        raw = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise PlanError(f"cannot read {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise PlanError(f"{path} is not valid YAML: {exc}") from exc
    try:
        return DemoPlan.model_validate(raw)
    except ValidationError as exc:
        raise PlanError(f"{path} does not describe a demo:\n{exc}") from exc
