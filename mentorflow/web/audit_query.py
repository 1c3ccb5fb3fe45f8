"""The audit log's filter as the page and the API read it from the query."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel

from mentorflow.hr.errors import InvalidInput
from mentorflow.store.audit import AuditFilter

PAGE_SIZE = 50


class AuditQuery(BaseModel):
    actor: str = ""
    action: str = ""
    result: str = ""
    #: Days, inclusive, UTC.
    since: date | None = None
    until: date | None = None
    page: int = 1

    def where(self) -> AuditFilter:
        return AuditFilter(
            actor=self.actor.strip() or None,
            action=self.action.strip() or None,
            result=self.result.strip() or None,
            since=datetime.combine(self.since, time(), UTC) if self.since else None,
            until=datetime.combine(self.until + timedelta(days=1), time(), UTC)
            if self.until
            else None,
        )


def _day(value: str, name: str) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name}: {value!r} is not a day (YYYY-MM-DD)") from None
    # The day after ``until`` bounds the query: the last day has none.
    if day == date.max:
        raise InvalidInput(f"{name}: {value!r} is beyond the last day the log can hold")
    return day


def audit_query(
    actor: str = "",
    action: str = "",
    result: str = "",
    since: Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
    until: Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> AuditQuery:
    """Empty form fields mean "any" (a browser sends them as empty strings)."""
    return AuditQuery(
        actor=actor[:320],
        action=action[:64],
        result=result[:16],
        since=_day(since, "since"),
        until=_day(until, "until"),
        page=page,
    )
