"""Boundary models of the cohort lifecycle: CohortWorkflow's input, updates,
query and result, and what its activities exchange. Payloads stay small:
the workflow carries ids and counts, the store carries the people."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator, model_validator

from mentorflow.cohorts.states import CohortStatus
from mentorflow.models import MentorshipInput, Outcome
from mentorflow.program import ProgramConfig


class CohortInput(BaseModel):
    cohort: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    program: ProgramConfig
    opens_at: datetime
    closes_at: datetime
    #: Pair workflows being started at once: thousands of pairs start in a
    #: steady stream instead of one burst.
    start_window: int = Field(default=50, ge=1, le=1000)
    #: Pairs read from the store per activity call.
    page_size: int = Field(default=200, ge=1, le=2000)
    #: Set only by continue-as-new: where the previous run left off.
    progress: CohortProgress | None = None

    @model_validator(mode="after")
    def _closes_after_opening(self) -> CohortInput:
        if self.closes_at <= self.opens_at:
            raise ValueError("applications must close after they open")
        return self

    @property
    def workflow_id(self) -> str:
        return cohort_workflow_id(self.cohort)


def cohort_workflow_id(cohort: str) -> str:
    return f"cohort:{cohort}"


class PairRef(BaseModel):
    mentor_id: str
    mentee_id: str


class RuleOverride(BaseModel):
    """HR forces a pair that breaks a hard rule of the program (a mentee on
    their own manager, no shared language...) and says why; the reason is
    kept with the approval and shown in the cohort's status."""

    mentor_id: str
    mentee_id: str
    reason: str = Field(min_length=1, max_length=500)

    @field_validator("reason")
    @classmethod
    def _said(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("say why the pair is forced despite the rule")
        return reason.strip()


class Overrides(BaseModel):
    """HR's changes to a proposal: pairs dropped, pairs forced, and the
    forced pairs allowed to break a hard rule, with the reason."""

    drop: list[PairRef] = []
    force: list[PairRef] = []
    rule_overrides: list[RuleOverride] = []

    def rule_override(self, mentor_id: str, mentee_id: str) -> RuleOverride | None:
        for override in self.rule_overrides:
            if (override.mentor_id, override.mentee_id) == (mentor_id, mentee_id):
                return override
        return None

    def problems(self) -> list[str]:
        """What makes these overrides unusable, whatever the proposal: a rule
        override for a pair that is not forced says nothing."""
        forced = {(p.mentor_id, p.mentee_id) for p in self.force}
        return [
            f"{o.mentor_id}:{o.mentee_id} has a rule override but is not forced "
            f"(force it too: --force {o.mentor_id}:{o.mentee_id})"
            for o in self.rule_overrides
            if (o.mentor_id, o.mentee_id) not in forced
        ]


class CloseRequest(BaseModel):
    by: str = "hr"


class ReviewDecision(BaseModel):
    """``rerun`` asks for a fresh matching run; otherwise the proposal is
    approved with ``overrides``."""

    by: str = "hr"
    rerun: bool = False
    overrides: Overrides = Overrides()


class CohortRecord(BaseModel):
    cohort: str
    program: ProgramConfig
    opens_at: datetime
    closes_at: datetime


class CohortStatusRecord(BaseModel):
    cohort: str
    status: CohortStatus


class MatchingSummary(BaseModel):
    run_id: int
    mentees: int
    mentors: int
    matched: int
    unmatched: int
    total_score: float


class ApprovalRecord(BaseModel):
    cohort: str
    run_id: int
    overrides: Overrides


class ApprovedPlan(BaseModel):
    run_id: int
    pairs: int


class PairsPage(BaseModel):
    cohort: str
    run_id: int
    offset: int
    limit: int


class PairsPageResult(BaseModel):
    pairs: list[MentorshipInput]


class StartPairs(BaseModel):
    """One page of an approved run's pairs to start through the client, each
    as its own workflow (not a child) that reports back to ``reports_to``."""

    cohort: str
    run_id: int
    offset: int
    limit: int
    reports_to: str
    #: Workflow starts in flight at once inside the activity.
    in_flight: int = Field(default=50, ge=1, le=1000)


class PairsStarted(BaseModel):
    #: Pairs on this page (started now or found started already).
    pairs: int
    #: Of those, pairs whose workflow was already there (a retried page).
    already: int = 0


class PairsTally(BaseModel):
    """What the store says about a cohort's pairs."""

    closed: int = 0
    outcomes: dict[Outcome, int] = {}
    #: Every pair the store holds for the cohort, running or closed (an
    #: evergreen intake's total grows with each round).
    pairs: int = 0


class CohortProgress(BaseModel):
    """A running cohort's state, carried over continue-as-new: its history
    starts afresh, its place in the lifecycle does not."""

    status: CohortStatus
    run_id: int
    proposal: MatchingSummary | None = None
    planned: int
    #: Pairs started so far (the next page starts at this offset).
    started: int
    tally: PairsTally = PairsTally()


class NotifyApplications(BaseModel):
    cohort: str
    run_id: int
    #: An evergreen round tells only the matched: everyone else stays
    #: waiting for the next round, their application open.
    matched_only: bool = False


class ClosePool(BaseModel):
    """Tells the applications not yet in the pool that matching has started."""

    cohort: str


class CohortSnapshot(BaseModel):
    cohort: str
    status: CohortStatus
    closes_at: datetime
    proposal: MatchingSummary | None = None
    pairs_planned: int = 0
    pairs_started: int = 0
    pairs_done: int = 0
    outcomes: dict[Outcome, int] = {}


class CohortResult(BaseModel):
    cohort: str
    pairs: int
    outcomes: dict[Outcome, int]


CohortInput.model_rebuild()
