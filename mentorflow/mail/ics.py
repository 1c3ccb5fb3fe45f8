"""iCalendar series for the recurring check-ins (attached to ``goals_agreed``).

The series starts in the recipient's own time zone (``DTSTART;TZID=...`` with a
``VTIMEZONE``) so that a weekly 09:00 check-in stays at 09:00 across daylight
saving changes; in UTC it would drift by an hour twice a year. ``METHOD:PUBLISH``
adds the dates to a calendar without asking for an RSVP that nobody would read.
The UID is derived from the mentorship, so a resent email updates the same
series instead of adding a second one.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vRecur

CHECKIN_LENGTH = timedelta(minutes=45)

_UNITS: tuple[tuple[str, int], ...] = (
    ("WEEKLY", 7 * 24 * 3600),
    ("DAILY", 24 * 3600),
    ("HOURLY", 3600),
    ("MINUTELY", 60),
    ("SECONDLY", 1),
)


def recurrence(period: timedelta, count: int) -> vRecur:
    """The RRULE for ``count`` occurrences every ``period`` (coarsest exact unit)."""
    seconds = int(period.total_seconds())
    if seconds <= 0 or seconds != period.total_seconds():
        raise ValueError(f"check-in period must be a positive whole number of seconds: {period}")
    if count < 1:
        raise ValueError(f"check-in count must be at least 1: {count}")
    for freq, unit in _UNITS:
        if seconds % unit == 0:
            return vRecur(freq=freq, interval=seconds // unit, count=count)
    raise AssertionError("unreachable: every period is a whole number of seconds")


def checkin_series(
    *,
    series_key: str,
    first_at: datetime,
    period: timedelta,
    count: int,
    summary: str,
    timezone: str,
    description: str = "",
) -> bytes:
    """An ``.ics`` with one recurring event for the check-ins of one mentorship."""
    if first_at.tzinfo is None:
        raise ValueError("first check-in time must be timezone-aware")
    local_start = first_at.astimezone(ZoneInfo(timezone))
    cal = Calendar()
    cal.add("prodid", "-//mentorflow//check-ins//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    uid = hashlib.sha256(series_key.encode()).hexdigest()[:32]
    event.add("uid", f"checkins-{uid}@mentorflow")
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", local_start)
    event.add("duration", min(CHECKIN_LENGTH, period))
    event.add("rrule", recurrence(period, count))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def series_from_context(
    calendar: dict[str, Any], *, series_key: str, timezone: str, description: str = ""
) -> bytes:
    """Build the series from a template context's ``calendar`` mapping:
    ``{first_at: ISO 8601, period_seconds: int, count: int, summary: str}``."""
    try:
        first_at = datetime.fromisoformat(str(calendar["first_at"]).replace("Z", "+00:00"))
        period = timedelta(seconds=int(calendar["period_seconds"]))
        count = int(calendar["count"])
        summary = str(calendar["summary"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed calendar in email context: {exc!r}") from exc
    return checkin_series(
        series_key=series_key,
        first_at=first_at,
        period=period,
        count=count,
        summary=summary,
        timezone=timezone,
        description=description,
    )
