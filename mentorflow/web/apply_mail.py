"""Sending the application form's magic link, from the web process.

Why not from a workflow: no workflow exists yet for someone who has not
applied, and starting one per form post would let anyone create workflows by
typing addresses. The mail still follows the outbox rules of every other
email: its idempotency key ``apply:{cohort}:{employee}:{hour}`` is a unique
row in ``email_outbox`` and the source of its Message-ID, so the same person
gets at most one link per cohort per hour however often the form is posted
(no one can flood a colleague's inbox through it), and every link sent is on
record. A send that failed leaves its row pending or failed; the next post
in that hour tries again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from mentorflow.mail import outbox
from mentorflow.mail.message import build_message, message_id_for
from mentorflow.mail.render import EmailTemplateError, render_email
from mentorflow.mail.smtp import MailError, PermanentMailError, SmtpPool
from mentorflow.models import Participant
from mentorflow.settings import Settings

TEMPLATE = "apply_link"

log = logging.getLogger(__name__)


def idempotency_key(cohort: str, employee_id: str, at: datetime) -> str:
    return f"apply:{cohort}:{employee_id}:{at:%Y%m%d%H}"


async def send_apply_link(
    settings: Settings,
    sessions: sessionmaker[Session],
    person: Participant,
    cohort: str,
    program_name: str,
    url: str,
    at: datetime,
) -> bool:
    """Sends the link unless this hour's was sent already; True if sent now.

    Never raises for mail trouble: the page a person sees is the same whether
    or not their address is known, so failures are logged and recorded in the
    outbox instead.
    """
    key = idempotency_key(cohort, person.employee_id, at)
    try:
        entry = await asyncio.to_thread(
            outbox.claim,
            sessions,
            idempotency_key=key,
            message_id=message_id_for(key, settings.mail_from),
            mentorship_id=None,
            template=TEMPLATE,
            to_address=person.email,
        )
    except outbox.OutboxConflict as exc:  # the address changed within the hour
        log.warning("apply link not sent: %s", exc)
        return False
    if entry.status is outbox.OutboxStatus.SENT:
        return False
    context = {
        "program_name": program_name,
        "recipient": person.model_dump(mode="json"),
        "role": "applicant",
        "cohort": cohort,
        "links": {"apply": url},
    }
    subject: str | None = None
    pool = SmtpPool.from_settings(settings)
    try:
        rendered = render_email(TEMPLATE, context, settings.templates_dir)
        subject = rendered.subject
        message = build_message(
            rendered=rendered,
            mail_from=settings.mail_from,
            to_name=person.name,
            to_email=person.email,
            message_id=entry.message_id,
            idempotency_key=key,
        )
        await pool.send(message)
    except (EmailTemplateError, PermanentMailError) as exc:
        log.error("apply link to %s failed: %s", person.employee_id, exc)
        await asyncio.to_thread(outbox.mark_failed, sessions, key, subject, str(exc))
        return False
    except MailError as exc:
        log.warning("apply link to %s deferred: %s", person.employee_id, exc)
        await asyncio.to_thread(outbox.mark_deferred, sessions, key, subject, str(exc))
        return False
    finally:
        # One link mail now and then: no connection worth keeping open.
        await pool.close()
    await asyncio.to_thread(outbox.mark_sent, sessions, key, subject)
    return True
