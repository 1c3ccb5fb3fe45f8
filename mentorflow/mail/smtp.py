"""Sending mail over a small pool of SMTP connections (aiosmtplib).

A check-in day sends thousands of messages; opening a TCP (+TLS, +AUTH)
session for each would dominate the cost, so connections are kept and reused.
A connection that died while idle (servers drop idle clients after a minute or
so) is detected and replaced before the message goes out.

Errors are classified for Temporal's retry policy: a 4xx reply, a timeout or a
lost connection is ``TransientMailError`` (retry later); a 5xx reply to the
message is ``PermanentMailError`` (retrying would only be refused again).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from email.message import EmailMessage

import aiosmtplib

from mentorflow.settings import Settings

#: Reuse an idle connection without a NOOP probe when it was used this recently.
FRESH_SECONDS = 5.0


class MailError(Exception):
    """Base of the two classes of delivery failure."""


class TransientMailError(MailError):
    """The server is busy, unreachable or slow: the same message may go through later."""


class PermanentMailError(MailError):
    """The server refused this message (5xx): retrying cannot succeed."""


def _reply(code: int, message: str) -> str:
    return f"{code} {message}".strip()


def classify(exc: BaseException) -> MailError:
    """Map an aiosmtplib/OS error to a transient or permanent mail error."""
    if isinstance(exc, MailError):
        return exc
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        # All recipients refused: permanent only if every refusal is a 5xx.
        codes = [r.code for r in exc.recipients]
        text = "; ".join(_reply(r.code, f"{r.recipient}: {r.message}") for r in exc.recipients)
        if codes and all(500 <= c < 600 for c in codes):
            return PermanentMailError(f"recipient refused: {text}")
        return TransientMailError(f"recipient deferred: {text}")
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # Wrong credentials are the operator's to fix, not the message's fault:
        # keep retrying (the mail is not lost) and say clearly what is wrong.
        return TransientMailError(
            f"SMTP login refused ({_reply(exc.code, exc.message)}); check MENTORFLOW_SMTP_USERNAME "
            "and MENTORFLOW_SMTP_PASSWORD"
        )
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        reply = _reply(exc.code, exc.message)
        if 500 <= exc.code < 600:
            return PermanentMailError(f"SMTP server refused the message: {reply}")
        return TransientMailError(f"SMTP server deferred the message: {reply}")
    if isinstance(exc, TimeoutError):
        return TransientMailError(f"SMTP timeout: {exc}")
    if isinstance(exc, aiosmtplib.SMTPException | OSError):
        return TransientMailError(f"SMTP connection problem: {exc}")
    raise TypeError(f"not a mail error: {exc!r}") from exc


class _Connection:
    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self.client = client
        self.last_used = time.monotonic()


class SmtpPool:
    """Up to ``size`` concurrent SMTP sessions, reused across sends."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        size: int = 4,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30.0,
    ) -> None:
        if size < 1:
            raise ValueError("SMTP pool size must be at least 1")
        self.host = host
        self.port = port
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout
        self._slots = asyncio.Semaphore(size)
        self._idle: list[_Connection] = []
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpPool:
        return cls(
            settings.resolved_smtp_host,
            settings.resolved_smtp_port,
            size=settings.smtp_pool_size,
            username=settings.smtp_username,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )

    async def _connect(self) -> _Connection:
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self._timeout,
            # Port 465 speaks TLS from the first byte; elsewhere STARTTLS if asked.
            use_tls=self.port == 465,
            start_tls=self._starttls if self.port != 465 else False,
        )
        await client.connect()
        if self._username:
            await client.login(self._username, self._password or "")
        return _Connection(client)

    async def _is_alive(self, conn: _Connection) -> bool:
        if not conn.client.is_connected:
            return False
        if time.monotonic() - conn.last_used < FRESH_SECONDS:
            return True
        try:
            await conn.client.noop()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            return False
        return True

    async def _checkout(self) -> tuple[_Connection, bool]:
        """A live connection and whether it was reused from the pool."""
        while self._idle:
            conn = self._idle.pop()
            if await self._is_alive(conn):
                return conn, True
            self._discard(conn)
        return await self._connect(), False

    @staticmethod
    def _discard(conn: _Connection) -> None:
        conn.client.close()

    async def send(self, message: EmailMessage, recipients: Iterable[str] | None = None) -> None:
        """Deliver ``message`` (to its To/Cc, or to ``recipients``); raises
        ``TransientMailError`` or ``PermanentMailError``."""
        if self._closed:
            raise TransientMailError("SMTP pool is closed")
        rcpt = list(recipients) if recipients is not None else None
        async with self._slots:
            try:
                conn, reused = await self._checkout()
                try:
                    await self._send_on(conn, message, rcpt)
                except aiosmtplib.SMTPServerDisconnected:
                    if not reused:
                        raise
                    # The server hung up on an idle connection between our check
                    # and MAIL FROM: nothing was transmitted, one fresh try is safe.
                    await self._send_on(await self._connect(), message, rcpt)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                raise classify(exc) from exc

    async def _send_on(
        self, conn: _Connection, message: EmailMessage, recipients: list[str] | None
    ) -> None:
        try:
            await conn.client.send_message(message, recipients=recipients)
        except BaseException:
            # After a failed exchange the session state is unknown (half-sent
            # DATA, a 421 that closes, a cancellation): never reuse it.
            self._discard(conn)
            raise
        conn.last_used = time.monotonic()
        if self._closed:
            await self._quit(conn)
        else:
            self._idle.append(conn)

    @staticmethod
    async def _quit(conn: _Connection) -> None:
        try:
            await conn.client.quit()
        except (aiosmtplib.SMTPException, OSError, TimeoutError):
            conn.client.close()

    async def close(self) -> None:
        """Say QUIT on every idle connection; later sends are refused."""
        self._closed = True
        idle, self._idle = self._idle, []
        await asyncio.gather(*(self._quit(conn) for conn in idle))
