"""The email activity: render, send once, record.

Every email is sent at most once. Its idempotency key is a unique row in
``email_outbox`` (claimed before anything else happens) and the source of its
Message-ID; a retried activity that finds the row ``sent`` returns
``already_sent=True`` without talking to the SMTP server. Failures are
classified for Temporal: transient SMTP trouble raises a retryable error, a
5xx refusal or an email that cannot be built raises a non-retryable
``ApplicationError`` and marks the row ``failed``.

The receipt says when the SMTP server accepted the message: a response window
opens then, not when the workflow asked for the email (an SMTP outage must
never use up anyone's window). Times are reported on the Temporal server's
clock, which workflows read, rather than on this worker's.
"""

from __future__ import annotations

import asyncio
import weakref
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from mentorflow.links import LinkSigner, link_id
from mentorflow.mail import outbox
from mentorflow.mail.ics import series_from_context
from mentorflow.mail.message import build_message, message_id_for
from mentorflow.mail.render import EmailTemplateError, render_email
from mentorflow.mail.smtp import PermanentMailError, SmtpPool, TransientMailError
from mentorflow.models import EmailReceipt, EmailRequest
from mentorflow.settings import Settings
from mentorflow.store.schema import Cohort, OutboxMessage, Person

#: Pauses between tries to record "sent" after the server accepted the message:
#: losing that write would make a retry send the email a second time.
RECORD_SENT_BACKOFF = (0.2, 1.0, 3.0)


class EmailActivities:
    """Built once per worker with its settings, database sessions and SMTP pool."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        pool: SmtpPool | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._pool = pool or SmtpPool.from_settings(settings)
        self._signer = LinkSigner(settings.resolved_secret_key, settings.link_max_age)
        self._template_overrides: dict[str, dict[str, str]] = {}
        # One in-flight send per key in this worker: an attempt that timed out
        # on the server may still be running here when its retry starts.
        self._in_flight: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @activity.defn(name="send_email")
    async def send_email(self, request: EmailRequest) -> EmailReceipt:
        clock = ServerClock.of_this_attempt()
        lock = self._in_flight.get(request.idempotency_key)
        if lock is None:
            lock = self._in_flight[request.idempotency_key] = asyncio.Lock()
        async with lock:
            return await self._send_once(request, clock)

    async def close(self) -> None:
        await self._pool.close()

    # ----------------------------------------------------------------- steps

    async def _send_once(self, request: EmailRequest, clock: ServerClock) -> EmailReceipt:
        key = request.idempotency_key
        request = await asyncio.to_thread(self._current_recipient, request)
        try:
            entry = await asyncio.to_thread(
                outbox.claim,
                self._sessions,
                idempotency_key=key,
                message_id=message_id_for(key, self._settings.mail_from),
                mentorship_id=request.mentorship_id,
                template=request.template,
                to_address=request.to.email,
                # Kept so HR can have this email sent again (``hr.mentorships``).
                request=request.model_dump(mode="json"),
            )
        except outbox.OutboxConflict as exc:
            raise ApplicationError(str(exc), type="OutboxConflict", non_retryable=True) from exc
        if entry.status is outbox.OutboxStatus.SENT:
            activity.logger.info("email %s already sent as %s", key, entry.message_id)
            sent_at = clock.of_local(entry.sent_at) if entry.sent_at else None
            return EmailReceipt(message_id=entry.message_id, already_sent=True, sent_at=sent_at)
        sender = outbox.sender_id("worker")
        if not await asyncio.to_thread(outbox.begin_send, self._sessions, key, sender):
            return await self._winners_receipt(key, clock)
        try:
            return await self._send_claimed(request, entry, clock)
        except BaseException:
            # Cancelled (say, the worker shuts down) or failed unexpectedly: free
            # the claim now rather than make the retry wait for it to go stale.
            await asyncio.shield(asyncio.to_thread(outbox.release, self._sessions, key, sender))
            raise

    async def _send_claimed(
        self, request: EmailRequest, entry: outbox.OutboxEntry, clock: ServerClock
    ) -> EmailReceipt:
        """Render, send and record a message this attempt holds the claim for."""
        key = request.idempotency_key
        subject: str | None = None
        try:
            rendered = render_email(
                request.template,
                self._context(request, clock.now()),
                self._settings.templates_dir,
                await asyncio.to_thread(self._overrides, request),
            )
            subject = rendered.subject
            message = build_message(
                rendered=rendered,
                mail_from=self._settings.mail_from,
                to_name=request.to.name,
                to_email=request.to.email,
                message_id=entry.message_id,
                idempotency_key=key,
                cc=request.cc,
                **self._calendar(request),
            )
        except (EmailTemplateError, ValueError) as exc:
            error = f"email {request.template!r} cannot be built: {exc}"
            await asyncio.to_thread(
                outbox.mark_failed, self._sessions, key, subject, error, attempted=False
            )
            raise ApplicationError(error, type="EmailTemplateError", non_retryable=True) from exc

        try:
            await self._pool.send(message)
        except TransientMailError as exc:
            await asyncio.to_thread(outbox.mark_deferred, self._sessions, key, subject, str(exc))
            raise
        except PermanentMailError as exc:
            await asyncio.to_thread(outbox.mark_failed, self._sessions, key, subject, str(exc))
            raise ApplicationError(
                f"{request.to.email}: {exc}", type="PermanentMailError", non_retryable=True
            ) from exc
        sent_at = clock.now()
        await self._record_sent(key, rendered.subject)
        return EmailReceipt(message_id=entry.message_id, already_sent=False, sent_at=sent_at)

    async def _winners_receipt(self, key: str, clock: ServerClock) -> EmailReceipt:
        """Another sender (a worker elsewhere, an attempt that timed out but
        still runs) holds the send: wait for its outcome, never send."""
        entry = await asyncio.to_thread(outbox.outcome, self._sessions, key)
        if entry.status is outbox.OutboxStatus.SENT:
            activity.logger.info("email %s sent by another attempt as %s", key, entry.message_id)
            sent_at = clock.of_local(entry.sent_at) if entry.sent_at else None
            return EmailReceipt(message_id=entry.message_id, already_sent=True, sent_at=sent_at)
        if entry.status is outbox.OutboxStatus.FAILED:
            raise ApplicationError(
                f"email {key!r} failed: {entry.last_error}", type="SendFailed", non_retryable=True
            )
        # Still being sent, or the other sender met a transient failure: a
        # retry of this activity finds out (and takes over a dead sender's claim).
        raise ApplicationError(f"email {key!r} is being sent by another attempt", type="SendBusy")

    def _current_recipient(self, request: EmailRequest) -> EmailRequest:
        """The recipient's address as the directory has it now: a workflow
        keeps the address it started with, the HRIS sync keeps the directory
        current. A message already claimed keeps the address it was claimed
        for, so that a retry never sends one email to two addresses."""
        with self._sessions() as session:
            claimed = session.scalar(
                select(OutboxMessage.to_address).where(
                    OutboxMessage.idempotency_key == request.idempotency_key
                )
            )
            person = session.get(Person, request.to.employee_id)
        current = person.email if person is not None else request.to.email
        moved = person is not None and current.lower() != request.to.email.lower()
        # A retry keeps the address its key was claimed for, also when the
        # directory changed again meanwhile; another recipient under the same
        # key is left as asked, for the outbox to refuse as a conflict.
        keep = claimed and (moved or claimed.lower() in {request.to.email.lower(), current.lower()})
        email = claimed if keep else current
        if email == request.to.email:
            return request
        return request.model_copy(update={"to": request.to.model_copy(update={"email": email})})

    def _overrides(self, request: EmailRequest) -> dict[str, str]:
        """The email templates the cohort's program overrides. Workflow ids read
        ``kind:{cohort}:…``; a program does not change once its cohort is
        launched, so each cohort's overrides are read once per worker."""
        parts = (request.workflow_id or request.mentorship_id or "").split(":")
        if len(parts) < 3:
            return {}
        # ``alumni:{employee}:{cohort}`` names its cohort last.
        cohort = parts[-1] if parts[0] == "alumni" else parts[1]
        if cohort not in self._template_overrides:
            with self._sessions() as session:
                stored = session.get(Cohort, cohort)
                program = stored.program if stored is not None else {}
            self._template_overrides[cohort] = dict(program.get("email_template_sources") or {})
        return self._template_overrides[cohort]

    def _context(self, request: EmailRequest, now: datetime) -> dict[str, Any]:
        """The template context: the workflow's, plus the recipient and the
        signed links (deterministic ids, so a retry mints the same URLs).
        Deadlines and link expiries of a window that opens with this email
        are counted from ``now``, just before the message is handed over, so
        what the person reads is never later than the window's real end."""
        context = dict(request.context)
        context.setdefault("recipient", request.to.model_dump(mode="json"))
        context.setdefault("mentorship_id", request.mentorship_id or "")
        for name, offset in request.deadlines.items():
            context[name] = (now + offset).isoformat()
        links = dict(context.get("links") or {})
        for spec in request.links:
            if spec.expires_in is not None:
                spec = spec.model_copy(update={"expires_at": now + spec.expires_in})
            links[spec.name] = self._signer.url(
                self._settings.base_url,
                spec,
                request.workflow_id or request.mentorship_id or "",
                link_id(request.idempotency_key, spec.name),
            )
        context["links"] = links
        return context

    def _calendar(self, request: EmailRequest) -> dict[str, Any]:
        """The check-in series to attach, as ``build_message`` arguments: one
        UID per mentorship, in the recipient's time zone."""
        calendar = request.context.get("calendar")
        if not calendar:
            return {}
        ics, method = series_from_context(
            calendar,
            series_key=request.mentorship_id or request.idempotency_key,
            timezone=request.to.timezone,
            description="Your regular mentoring check-in. Each time, a short form arrives by "
            "email: challenges, wins, upcoming decisions, introductions made.",
            organizer=self._settings.mail_from,
            attendee=(request.to.name, request.to.email),
        )
        return {"calendar": ics, "calendar_method": method}

    async def _record_sent(self, key: str, subject: str) -> None:
        for pause in (*RECORD_SENT_BACKOFF, None):
            try:
                await asyncio.to_thread(outbox.mark_sent, self._sessions, key, subject)
                return
            except SQLAlchemyError:
                if pause is None:
                    raise
                activity.logger.warning("recording email %s as sent failed; retrying", key)
                await asyncio.sleep(pause)


class ServerClock:
    """The Temporal server's clock as seen from this activity attempt: the
    attempt's start time on the server and how long ago that was here. A
    worker whose clock is a minute off would otherwise shorten or stretch
    every window by a minute (and the time-skipping test server runs ahead)."""

    def __init__(self, offset: timedelta) -> None:
        self._offset = offset

    @classmethod
    def of_this_attempt(cls) -> ServerClock:
        if not activity.in_activity():  # called directly (a tool, a test): this clock
            return cls(timedelta(0))
        return cls(activity.info().started_time - datetime.now(UTC))

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def of_local(self, moment: datetime) -> datetime:
        """A time this worker (or another) recorded, on the server's clock."""
        if moment.tzinfo is None:  # SQLite returns naive UTC
            moment = moment.replace(tzinfo=UTC)
        return moment + self._offset
