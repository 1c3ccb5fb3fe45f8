"""iCalendar invitations for the recurring check-ins of one mentorship.

The series starts in the recipient's own time zone (``DTSTART;TZID=...`` with a
``VTIMEZONE``) so that a weekly 09:00 check-in stays at 09:00 across daylight
saving changes; in UTC it would drift by an hour twice a year.

It is an invitation (``METHOD:REQUEST``) rather than a published calendar,
because only a request with the same UID and a higher ``SEQUENCE`` makes a
calendar client move an event it already holds: after a pause every later
check-in moves, and the participant gets the series again with the new dates.
When the mentorship ends early the series is withdrawn with ``METHOD:CANCEL``.
The UID is derived from the mentorship, so every version names the same series.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any, Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur, vText

CHECKIN_LENGTH = timedelta(minutes=45)

Method = Literal["REQUEST", "CANCEL"]

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


def series_uid(series_key: str) -> str:
    return f"checkins-{hashlib.sha256(series_key.encode()).hexdigest()[:32]}@mentorflow"


def _address(mail: str, name: str = "") -> vCalAddress:
    address = vCalAddress(f"mailto:{parseaddr(mail)[1] or mail}")
    if name:
        address.params["cn"] = vText(name)
    return address


def checkin_series(
    *,
    series_key: str,
    first_at: datetime,
    period: timedelta,
    count: int,
    summary: str,
    timezone: str,
    description: str = "",
    sequence: int = 0,
    method: Method = "REQUEST",
    organizer: str = "",
    attendee: tuple[str, str] | None = None,
) -> bytes:
    """An ``.ics`` with one recurring event: the check-ins still to come.

    ``first_at`` is the first of them (any zone; it is shown in ``timezone``),
    ``sequence`` counts the versions of the series sent before this one.
    ``attendee`` is the recipient as (name, address)."""
    if first_at.tzinfo is None:
        raise ValueError("first check-in time must be timezone-aware")
    local_start = first_at.astimezone(ZoneInfo(timezone))
    cal = Calendar()
    cal.add("prodid", "-//mentorflow//check-ins//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", series_uid(series_key))
    event.add("sequence", sequence)
    event.add("dtstamp", datetime.now(UTC))
    event.add("dtstart", local_start)
    event.add("duration", min(CHECKIN_LENGTH, period))
    event.add("rrule", recurrence(period, count))
    event.add("summary", summary)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    if organizer:
        event.add("organizer", _address(organizer, parseaddr(organizer)[0]))
    if attendee is not None:
        name, mail = attendee
        who = _address(mail, name)
        who.params["role"] = vText("REQ-PARTICIPANT")
        who.params["rsvp"] = vText("FALSE")
        event.add("attendee", who)
    if description:
        event.add("description", description)
    cal.add_component(event)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def series_from_context(
    calendar: dict[str, Any],
    *,
    series_key: str,
    timezone: str,
    description: str = "",
    organizer: str = "",
    attendee: tuple[str, str] | None = None,
) -> tuple[bytes, Method]:
    """Build the series from a template context's ``calendar`` mapping:
    ``{first_at: ISO 8601, period_seconds: int, count: int, summary: str,
    sequence: int = 0, method: "REQUEST" | "CANCEL" = "REQUEST"}``.
    Returns the ``.ics`` and its method (the MIME part names it too)."""
    try:
        first_at = datetime.fromisoformat(str(calendar["first_at"]).replace("Z", "+00:00"))
        period = timedelta(seconds=int(calendar["period_seconds"]))
        count = int(calendar["count"])
        summary = str(calendar["summary"])
        sequence = int(calendar.get("sequence", 0))
        method = str(calendar.get("method", "REQUEST")).upper()
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed calendar in email context: {exc!r}") from exc
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"malformed calendar in email context: unknown method {method!r}")
    ics = checkin_series(
        series_key=series_key,
        first_at=first_at,
        period=period,
        count=count,
        summary=summary,
        timezone=timezone,
        description=description,
        sequence=sequence,
        method=method,  # type: ignore[arg-type]
        organizer=organizer,
        attendee=attendee,
    )
    return ics, method  # type: ignore[return-value]
