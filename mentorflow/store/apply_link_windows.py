"""The apply-link rate limit: at most one link mail per person per window
(an hour), whatever the cohort, across every web process.

The window is a row per person in ``apply_link_windows``; it is opened by the
first post after the previous window ended and names the one outbox message
of that window, so racing posts (in one process or several) agree on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.store.schema import ApplyLinkWindow


def current_window(
    sessions: sessionmaker[Session], employee_id: str, now: datetime, length: timedelta
) -> datetime:
    """When the person's current window opened, opening one at ``now`` if the
    last is over (or there was none). Each step starts with a write, so the
    database serialises racers: one opens the window, the others read it."""
    with sessions() as session:
        reopened = session.execute(
            update(ApplyLinkWindow)
            .where(
                ApplyLinkWindow.employee_id == employee_id,
                ApplyLinkWindow.opened_at <= now - length,
            )
            .values(opened_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if getattr(reopened, "rowcount", 0) == 1:
            return now
        session.add(ApplyLinkWindow(employee_id=employee_id, opened_at=now))
        try:
            session.commit()
            return now
        except IntegrityError:
            session.rollback()
        row = session.get(ApplyLinkWindow, employee_id, populate_existing=True)
        assert row is not None  # rows are never deleted while a window can be open
        return row.opened_at
