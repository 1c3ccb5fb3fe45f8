"""Boundary models of an evergreen program's matching rounds: the round
workflow's input, its records in the store and what HR sees of it."""

from __future__ import annotations

from pydantic import BaseModel, Field

from mentorflow.cohorts.models import MatchingSummary
from mentorflow.cohorts.states import RoundStatus, RoundTrigger


def round_workflow_id(cohort: str, number: int) -> str:
    return f"round:{cohort}:{number}"


def rounds_schedule_id(cohort: str) -> str:
    return f"rounds:{cohort}"


class RoundInput(BaseModel):
    #: The evergreen program's intake (a cohort that stays open).
    cohort: str
    number: int = Field(ge=1)
    program_name: str
    auto_approve: bool = False
    start_window: int = Field(default=50, ge=1, le=1000)
    page_size: int = Field(default=200, ge=1, le=2000)

    @property
    def workflow_id(self) -> str:
        return round_workflow_id(self.cohort, self.number)


class RoundRef(BaseModel):
    cohort: str
    number: int


class RoundRecord(BaseModel):
    cohort: str
    number: int
    status: RoundStatus
    run_id: int | None = None
    waiting_mentees: int | None = None
    mentors_with_room: int | None = None
    pairs: int | None = None
    auto_approved: bool | None = None
    note: str | None = None


class RoundDue(BaseModel):
    """What the intake's Schedule starts: open the next round if none is open."""

    cohort: str


class RoundOpened(BaseModel):
    cohort: str
    number: int
    workflow_id: str
    trigger: RoundTrigger


class RoundDueResult(BaseModel):
    opened: RoundOpened | None = None
    #: Why no round opened (the last one still in review, say).
    skipped: str = ""


class RoundSnapshot(BaseModel):
    cohort: str
    number: int
    status: RoundStatus
    proposal: MatchingSummary | None = None
    pairs_planned: int = 0
    pairs_started: int = 0
    auto_approved: bool = False
    note: str = ""
