"""The at-risk flag from the store's closed check-ins: the same fold the
mentorship workflow does as each check-in closes (``_close_checkin``), so the
console agrees with the alert HR was sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from mentorflow.models import CheckInOutcome
from mentorflow.schedule import next_streak


@dataclass(frozen=True)
class Streak:
    missed: int
    #: The check-in whose close raised the current flag, and when; None: not at risk.
    flag_checkin: int | None
    flag_since: datetime | None


def fold(closed: Iterable[tuple[int, str, datetime | None]], threshold: int) -> Streak:
    """``closed``: (number, outcome, closed_at) of the closed check-ins in order."""
    streak, flag, since = 0, None, None
    for number, outcome, closed_at in closed:
        streak = next_streak(streak, CheckInOutcome(outcome))
        if streak == 0:
            flag, since = None, None
        if streak >= threshold and flag is None:
            flag, since = number, closed_at
    return Streak(streak, flag, since)
