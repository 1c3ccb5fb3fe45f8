"""The HR digest activity: for each program and manager address with notices
not yet digested, one email listing them, then the notices marked digested.

The email's idempotency key is ``hr-digest:{program}:{day}:{address}`` (see
``notices.models.digest_key``), a unique row in the outbox: a retried or
second run of the same day finds it sent and sends nothing more. Notices
recorded after that day's digest went out wait for the next day's.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.email import EmailActivities
from mentorflow.mail import outbox
from mentorflow.models import EmailRequest, Participant
from mentorflow.notices.digest import digest_context
from mentorflow.notices.models import DigestRequest, DigestSent, HrDigestResult, digest_key
from mentorflow.store import hr_notices


class HrNoticeActivities:
    """Built once per worker; sends through the worker's email activity, so
    the digest has the outbox, the SMTP pool and the error classes of every
    other email."""

    def __init__(self, sessions: sessionmaker[Session], email: EmailActivities) -> None:
        self._sessions = sessions
        self._email = email

    @property
    def activities(self) -> list:
        return [self.send_hr_digest]

    @activity.defn
    async def send_hr_digest(self, request: DigestRequest) -> HrDigestResult:
        groups = await asyncio.to_thread(self._groups)
        sent: list[DigestSent] = []
        for program_name, address in groups:
            sent.append(await self._digest(request.day, program_name, address))
            activity.heartbeat(program_name, address)
        return HrDigestResult(day=request.day, digests=sent)

    def _groups(self) -> list[tuple[str, str]]:
        with self._sessions() as session:
            return hr_notices.digest_groups(session)

    async def _digest(self, day: date, program_name: str, address: str) -> DigestSent:
        key = digest_key(program_name, day, address)
        entry = await asyncio.to_thread(outbox.get, self._sessions, key)
        gone_out = entry is not None and entry.status is outbox.OutboxStatus.SENT
        context, pending, waiting = await asyncio.to_thread(
            self._claim, key, program_name, address, day, claim_more=not gone_out
        )
        if not pending:
            return DigestSent(
                program_name=program_name,
                to=address,
                notices=0,
                already_sent=gone_out,
                waiting=waiting,
            )
        request = EmailRequest(
            idempotency_key=key,
            template="hr_digest",
            to=Participant(employee_id="hr", email=address, name="Program manager"),
            context=context,
        )
        try:
            receipt = await self._email.send_email(request)
        except ApplicationError as exc:
            if exc.non_retryable:
                # A refused address must not hold back the other programs'
                # digests; the notices stay undigested for the next run.
                activity.logger.warning("HR digest %s failed: %s", key, exc)
                return DigestSent(
                    program_name=program_name, to=address, failed=str(exc), waiting=waiting
                )
            raise
        marked = await asyncio.to_thread(self._mark, key)
        return DigestSent(
            program_name=program_name,
            to=address,
            notices=marked,
            already_sent=receipt.already_sent,
            message_id=receipt.message_id,
            waiting=waiting,
        )

    def _claim(
        self, key: str, program_name: str, address: str, day: date, *, claim_more: bool
    ) -> tuple[dict, int, int]:
        """The digest's context, how many of its notices are not yet marked
        digested, and how many notices wait for the next digest."""
        with self._sessions.begin() as session:
            if claim_more:
                hr_notices.claim(session, key, program_name, address)
            notices = hr_notices.claimed(session, key)
            pending = sum(1 for n in notices if n.digested_at is None)
            waiting = hr_notices.waiting(session, key, program_name, address)
            return digest_context(program_name, day, notices), pending, waiting

    def _mark(self, key: str) -> int:
        with self._sessions.begin() as session:
            return hr_notices.mark_digested(session, key, datetime.now(UTC))
