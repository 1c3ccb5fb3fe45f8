"""Sending the application form's magic link, from the web process.

Why not from a workflow: no workflow exists yet for someone who has not
applied, and starting one per form post would let anyone create workflows by
typing addresses. The mail still follows the outbox rules of every other
email: one idempotency key per person per rate-limit window,
``apply:{employee}:{window}``, is a unique row in ``email_outbox`` and the
source of its Message-ID, and only the poster that wins the outbox's send
claim sends it. So a person gets at most one link an hour however often, in
however many cohorts and through however many web processes the form is
posted (no one can flood a colleague's inbox through it), and every link
sent is on record. A send that failed leaves its row pending or failed; the
next post in that window tries again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from mentorflow.mail import outbox
from mentorflow.mail.message import build_message, message_id_for
from mentorflow.mail.render import EmailTemplateError, render_email
from mentorflow.mail.smtp import MailError, PermanentMailError, SmtpPool
from mentorflow.models import Participant
from mentorflow.settings import Settings
from mentorflow.store.apply_link_windows import current_window

TEMPLATE = "apply_link"

#: At most one apply-link mail per person in this long, whatever the cohort.
RATE_WINDOW = timedelta(hours=1)

log = logging.getLogger(__name__)


def idempotency_key(employee_id: str, window_opened_at: datetime) -> str:
    return f"apply:{employee_id}:{window_opened_at:%Y%m%dT%H%M%S%f}"


async def send_apply_link(
    settings: Settings,
    sessions: sessionmaker[Session],
    person: Participant,
    cohort: str,
    program_name: str,
    url: str,
    at: datetime,
) -> bool:
    """Sends the link unless this window's was sent (or is being sent)
    already; True if sent now.

    Never raises for mail trouble: the page a person sees is the same whether
    or not their address is known, so failures are logged and recorded in the
    outbox instead.
    """
    opened = await asyncio.to_thread(current_window, sessions, person.employee_id, at, RATE_WINDOW)
    key = idempotency_key(person.employee_id, opened)
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
    sender = outbox.sender_id("web")
    if not await asyncio.to_thread(outbox.begin_send, sessions, key, sender):
        return False  # another post is sending this window's link
    try:
        return await _send_claimed(settings, sessions, person, cohort, program_name, url, entry)
    except BaseException:
        await asyncio.shield(asyncio.to_thread(outbox.release, sessions, key, sender))
        raise


async def _send_claimed(
    settings: Settings,
    sessions: sessionmaker[Session],
    person: Participant,
    cohort: str,
    program_name: str,
    url: str,
    entry: outbox.OutboxEntry,
) -> bool:
    key = entry.idempotency_key
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
