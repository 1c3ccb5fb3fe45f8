"""Boundary models of HR notices and their daily digest: what MentorshipWorkflow
records, what HrDigestWorkflow takes and what its activity reports. One model
per workflow and activity argument."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel

#: The Temporal Schedule that sends the digest every day, and the prefix of
#: the ids of its runs (Temporal appends the run's time).
SCHEDULE_ID = "hr-digest"


class NoticeKind(StrEnum):
    """What happened. The first four are a mentorship's early ends, named as
    its ``Outcome``."""

    NOT_STARTED = "not_started"
    DECLINED = "declined"
    ENDED_EARLY = "ended_early"
    PARTICIPANT_LEFT = "participant_left"

    @property
    def label(self) -> str:
        return {
            NoticeKind.NOT_STARTED: "Mentorships not started",
            NoticeKind.DECLINED: "Introductions declined",
            NoticeKind.ENDED_EARLY: "Mentorships ended early",
            NoticeKind.PARTICIPANT_LEFT: "Participants who left the organisation",
        }[self]


def digest_key(program_name: str, day: date, address: str) -> str:
    """The outbox key of one digest: at most one per program, day and manager
    address, whatever retries or second runs happen."""
    return f"hr-digest:{program_name}:{day.isoformat()}:{address.lower()}"


class HrNoticeRecord(BaseModel):
    """A notice as a workflow records it (idempotent by ``key``)."""

    #: Deterministic, e.g. ``{mentorship_id}:ended``: a retried activity records once.
    key: str
    kind: NoticeKind
    program_name: str
    #: Who hears of it in the digest (the program's manager).
    manager_email: str
    cohort: str
    mentorship_id: str | None = None
    mentor_id: str | None = None
    mentee_id: str | None = None
    subject: str
    #: The reason and who ended it; ids only, names are read at digest time.
    detail: dict = {}
    happened_at: datetime


class HrDigestInput(BaseModel):
    """A digest run. ``day`` names the digest (the run's UTC day by default)."""

    day: date | None = None


class DigestRequest(BaseModel):
    day: date


class DigestSent(BaseModel):
    program_name: str
    to: str
    notices: int
    #: The digest of that day had gone out before (a retry, a second run):
    #: nothing more was sent.
    already_sent: bool = False
    message_id: str = ""
    #: Why it could not be sent (a refused address); its notices stay undigested.
    failed: str = ""
    #: Notices that came after this day's digest went out: in the next one.
    waiting: int = 0


class HrDigestResult(BaseModel):
    day: date
    digests: list[DigestSent] = []
