"""Assembling the MIME message: headers, text + HTML alternatives, optional .ics."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from mentorflow.mail.render import RenderedEmail

FALLBACK_DOMAIN = "mentorflow.localhost"
CALENDAR_FILENAME = "mentoring-check-ins.ics"


def message_id_for(idempotency_key: str, mail_from: str) -> str:
    """Deterministic Message-ID: the same email keeps the same id across retries,
    so even a duplicate that slipped through would be collapsed by mail clients."""
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2] or FALLBACK_DOMAIN
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]}@{domain}>"


def _one_line(value: str) -> str:
    # Names come from the HR directory; a stray newline must not become a header.
    return " ".join(value.split())


def build_message(
    *,
    rendered: RenderedEmail,
    mail_from: str,
    to_name: str,
    to_email: str,
    message_id: str,
    idempotency_key: str,
    cc: list[str] | None = None,
    calendar: bytes | None = None,
    calendar_method: str = "REQUEST",
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((_one_line(to_name), _one_line(to_email)))
    if cc:
        message["Cc"] = ", ".join(_one_line(address) for address in cc)
    message["Subject"] = _one_line(rendered.subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id
    message["X-Mentorflow-Key"] = _one_line(idempotency_key)
    # RFC 3834: tells out-of-office responders not to answer automated mail.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if calendar is not None:
        message.add_attachment(
            calendar.decode("utf-8"),
            subtype="calendar",
            filename=CALENDAR_FILENAME,
            # The part's method must match the one inside the .ics (RFC 6047).
            params={"method": calendar_method},
        )
    return message
