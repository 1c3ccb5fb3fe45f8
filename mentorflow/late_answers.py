"""Answers that arrive late only because the web app had to keep them (the
worker was down, the server slow): they are judged by when the web app
received them (``received_at`` on the update payloads), and a workflow about
to act on silence at a deadline first asks whether such an answer is waiting.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class KeptAnswersQuery(BaseModel):
    """Answers kept for ``workflow_id`` and received by ``received_by``."""

    workflow_id: str
    received_by: datetime


def received_in_window(
    received: datetime | None, opened: datetime | None, closed: datetime, now: datetime
) -> bool:
    """A kept answer counts when it was received after the person's email went
    out (``opened``), by the time the window closed, and not in the future."""
    return received is not None and opened is not None and opened <= received <= min(closed, now)
