"""What the console and the API show of pairs. What participants wrote
(check-in notes, survey comments) is only ever put into these models when the
program lets HR read it: a view that never holds the words cannot leak them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class PairFilter(StrEnum):
    ALL = "all"
    AT_RISK = "at_risk"
    PAUSED = "paused"
    ENDED = "ended"


class PairSort(StrEnum):
    AT_RISK = "at_risk"
    NAME = "name"
    LAST_ANSWER = "last_answer"


class PersonRef(BaseModel):
    employee_id: str
    name: str
    email: str


class FollowUp(BaseModel):
    """HR followed up one at-risk flag."""

    flag_checkin: int
    by: str
    at: datetime
    note: str = ""


class AtRiskFlag(BaseModel):
    """The pair is at risk: its current streak, the check-in that raised the
    flag and when, and HR's follow-up of this flag, if any."""

    streak: int
    flag_checkin: int
    since: datetime | None
    followed_up: FollowUp | None = None


class LastAnswer(BaseModel):
    number: int
    at: datetime
    by: str = Field(description="Who answered (name)")
    met: str = Field(description="yes, no or rescheduled")


class PairRow(BaseModel):
    id: str
    cohort: str
    program: str
    mentor: PersonRef
    mentee: PersonRef
    phase: str
    paused: bool
    outcome: str | None
    checkins_held: int
    checkins_missed: int
    missed_streak: int
    last_answer: LastAnswer | None
    #: One rating a check-in answered (the pair's mean, 1-5), oldest first, the last six.
    value_trend: list[int]
    #: The outcomes of the last five closed check-ins, oldest first.
    recent_outcomes: list[str]
    at_risk: AtRiskFlag | None

    @property
    def status(self) -> str:
        if self.outcome:
            return self.outcome
        return "paused" if self.paused else self.phase

    @property
    def needs_follow_up(self) -> bool:
        return self.at_risk is not None and self.at_risk.followed_up is None


class TimelineEntry(BaseModel):
    at: datetime
    #: What happened: ``introduction``, ``goal``, ``checkin``, ``answer``,
    #: ``survey``, ``pause``, ``resume``, ``end``, ``email``, ``at_risk``,
    #: ``follow_up`` or another step of the workflow.
    kind: str
    title: str
    details: list[str] = []
    #: What a participant wrote: only present when the program lets HR read it.
    words: list[str] = []


class EmailSent(BaseModel):
    id: int
    template: str
    to: str
    to_employee: str | None
    subject: str
    status: str
    created_at: datetime
    sent_at: datetime | None
    resendable: bool


class PairPage(BaseModel):
    pair: PairRow
    hr_reads_answers: bool
    timeline: list[TimelineEntry]
    emails: list[EmailSent]
    follow_ups: list[FollowUp]

    def last_email_to(self, employee_id: str) -> EmailSent | None:
        mine = [e for e in self.emails if e.to_employee == employee_id]
        return mine[-1] if mine else None


class AtRiskList(BaseModel):
    """Flags to act on first, then flags followed up (until a new streak)."""

    open: list[PairRow]
    followed_up: list[PairRow]


class ResendReceipt(BaseModel):
    message: str
    to: str
    template: str
    idempotency_key: str
    #: True when this copy had been asked for already (a double post): no new email.
    already_requested: bool


class FollowUpReceipt(BaseModel):
    message: str
    follow_up: FollowUp
