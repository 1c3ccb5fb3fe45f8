"""Where a cohort and an application are, as the store records them.

Plain enums without dependencies, so that workflows, activities, the web app
and the store all use the same words.
"""

from __future__ import annotations

from enum import StrEnum


class CohortStatus(StrEnum):
    OPEN = "open"  # taking applications
    MATCHING = "matching"  # applications closed, a matching run in progress
    REVIEW = "review"  # a proposal waits for HR's approval
    RUNNING = "running"  # pairs started
    CLOSED = "closed"  # every pair done and reported (or the cohort was cancelled)


#: The moves a cohort can make; HR may re-run matching from review, and a cohort
#: that is not running yet may be closed (cancelled).
COHORT_TRANSITIONS: dict[CohortStatus, frozenset[CohortStatus]] = {
    CohortStatus.OPEN: frozenset({CohortStatus.MATCHING, CohortStatus.CLOSED}),
    CohortStatus.MATCHING: frozenset({CohortStatus.REVIEW, CohortStatus.CLOSED}),
    CohortStatus.REVIEW: frozenset(
        {CohortStatus.MATCHING, CohortStatus.RUNNING, CohortStatus.CLOSED}
    ),
    CohortStatus.RUNNING: frozenset({CohortStatus.CLOSED}),
    CohortStatus.CLOSED: frozenset(),
}


#: An evergreen intake is matched in rounds while open, so it goes from open
#: to running (its last pairs under way) when HR closes it.
INTAKE_TRANSITIONS: dict[CohortStatus, frozenset[CohortStatus]] = {
    **COHORT_TRANSITIONS,
    CohortStatus.OPEN: frozenset({CohortStatus.RUNNING, CohortStatus.CLOSED}),
}


class RoundStatus(StrEnum):
    """Where one matching round of an evergreen program is."""

    MATCHING = "matching"  # everyone waiting gathered, the engine running
    REVIEW = "review"  # a proposal waits for HR's approval
    STARTING = "starting"  # approved; its pairs are being started
    DONE = "done"  # every approved pair started
    EMPTY = "empty"  # nobody could be matched this round


#: A round in one of these holds the pool: the next one waits for it.
OPEN_ROUND = frozenset({RoundStatus.MATCHING, RoundStatus.REVIEW, RoundStatus.STARTING})


class RoundTrigger(StrEnum):
    SCHEDULE = "schedule"
    HR = "hr"


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    AWAITING_MANAGER = "awaiting_manager"
    APPROVED = "approved"  # in the pool for matching
    REJECTED = "rejected"  # by the manager, or by their silence when the program says so
    WITHDRAWN = "withdrawn"
    MATCHED = "matched"
    WAITLISTED = "waitlisted"


class ApplicationSource(StrEnum):
    CSV = "csv"
    WEB = "web"
    #: An alumnus who accepted the invitation to mentor (pre-approved).
    ALUMNI = "alumni"
    #: A mentee whose mentor left, carried over to the next matching round.
    WAITLIST = "waitlist"


class PendingReason(StrEnum):
    """Why someone waits for a program's next cohort to open."""

    ALUMNI = "alumni"
    WAITLIST = "waitlist"


class InvitationStatus(StrEnum):
    INVITED = "invited"
    REMINDED = "reminded"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"


class SyncStatus(StrEnum):
    PULLING = "pulling"
    APPLIED = "applied"
    #: The mass-leaver guard stopped it; nothing was applied.
    REFUSED = "refused"
    #: The source was unreadable; nothing was applied.
    FAILED = "failed"
