"""Sending an email again: a copy of a sent ``EmailRequest`` under a new
idempotency key, so the email activity's outbox rules (one row, one message,
ever) hold for the copy as for the original.

The copy says what the original said: deadlines and link expiries that the
original counted from the moment it left are fixed to that moment, so a
resent check-in never promises a window longer than the real one.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from mentorflow.models import EmailRequest

#: Length of ``email_outbox.idempotency_key``.
_KEY_MAX = 400


class ResendEmail(BaseModel):
    """The ``ResendEmailWorkflow``'s input: the copy to send."""

    request: EmailRequest


def resend_key(mentorship_id: str, source_row: int) -> str:
    """One copy per source message: posting "resend" twice for the same
    message (a double click, a retried API call) asks for the same copy."""
    return f"hr-resend:{source_row}:{mentorship_id}"[:_KEY_MAX]


def resend_workflow_id(key: str) -> str:
    return f"resend:{key}"


def copy_of(original: EmailRequest, key: str, sent_at: datetime | None) -> EmailRequest:
    """``original`` to be sent again as ``key``, with its times as sent."""
    context = dict(original.context)
    links = list(original.links)
    if sent_at is not None:
        for name, offset in original.deadlines.items():
            context[name] = (sent_at + offset).isoformat()
        links = [
            spec.model_copy(update={"expires_at": sent_at + spec.expires_in, "expires_in": None})
            if spec.expires_in is not None
            else spec
            for spec in links
        ]
    return original.model_copy(
        update={
            "idempotency_key": key,
            "context": context,
            "links": links,
            "deadlines": {} if sent_at is not None else original.deadlines,
        }
    )
