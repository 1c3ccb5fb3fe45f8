"""The local SMTP sink of the embedded stack, and its reader.

With no ``MENTORFLOW_SMTP_HOST`` configured, mail goes to this sink: a real
SMTP server (aiosmtpd) on loopback that files every accepted message into a
Maildir under ``var/mail``. The web app's ``/dev/mail`` page and the demo's
simulated participants read it back with ``list_messages``, so the whole path
(render → SMTP → inbox → link) is the one production uses.
"""

from __future__ import annotations

import mailbox
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import Envelope, Session

_URL = re.compile(r"https?://[^\s<>\"')\]]+")


class MaildirHandler:
    """aiosmtpd handler: every message accepted is one file in the Maildir."""

    def __init__(self, maildir: Path) -> None:
        self.maildir = maildir
        # mailbox creates tmp/new/cur only for a folder it creates itself; an
        # existing empty folder (var/mail made by hand) must work too.
        for sub in ("tmp", "new", "cur"):
            (maildir / sub).mkdir(parents=True, exist_ok=True)
        self._box = mailbox.Maildir(maildir, create=False)

    async def handle_DATA(  # aiosmtpd hook name
        self, server: SMTPServer, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content
        if not isinstance(content, bytes):
            content = str(content).encode("utf-8")
        # Record who the envelope was for: Bcc'd recipients are not in the headers.
        prefix = f"X-Sink-Rcpt-To: {', '.join(envelope.rcpt_tos)}\r\n".encode()
        self._box.add(prefix + content)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server on ``host:port`` that stores mail into ``maildir``."""

    def __init__(self, maildir: Path, host: str, port: int) -> None:
        self.maildir = Path(maildir)
        self.host = host
        self.port = port
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is not None:
            return
        self._check_port_free()
        controller = Controller(MaildirHandler(self.maildir), hostname=self.host, port=self.port)
        controller.start()  # binds, serves from its own thread, raises if the port is taken
        self._controller = controller

    def _check_port_free(self) -> None:
        # aiosmtpd would only notice after its 5 s readiness timeout, with a
        # vague message; an occupied port is a common, easily explained mistake.
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((self.host, self.port))
            except OSError as exc:
                raise OSError(
                    exc.errno,
                    f"the mail sink cannot listen on {self.host}:{self.port} ({exc.strerror}); "
                    "is another mentorflow running? Set MENTORFLOW_SMTP_PORT or stop it",
                ) from exc

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> MailSink:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass(frozen=True)
class SinkMessage:
    key: str
    to: str
    subject: str
    date: datetime
    text: str
    html: str
    #: Every http(s) URL in the text part, in order (the signed links).
    links: list[str]
    message_id: str = ""
    idempotency_key: str = ""


def _part(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_type() != f"text/{subtype}":
        return ""
    return str(part.get_content())


def _read(key: str, raw: bytes, received: float) -> SinkMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    try:
        date = parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        date = datetime.fromtimestamp(received, UTC)
    text = _part(message, "plain")
    return SinkMessage(
        key=key,
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        date=date,
        text=text,
        html=_part(message, "html"),
        links=_URL.findall(text),
        message_id=str(message.get("Message-ID", "")),
        idempotency_key=str(message.get("X-Mentorflow-Key", "")),
    )


def _files(maildir: Path) -> list[Path]:
    # A Maildir message is one file in new/ (unseen) or cur/ (seen, with
    # ":2,FLAGS" after its key); reading the files needs no lock.
    return [
        path
        for sub in ("new", "cur")
        if (maildir / sub).is_dir()
        for path in (maildir / sub).iterdir()
        if not path.name.startswith(".")
    ]


def list_messages(maildir: Path, to: str | None = None) -> list[SinkMessage]:
    """Messages in the sink, newest first; ``to`` keeps those whose To contains it."""
    found: list[tuple[int, str, SinkMessage]] = []
    for path in _files(Path(maildir)):
        key = path.name.split(":", 1)[0]
        try:
            received = path.stat().st_mtime_ns
            raw = path.read_bytes()
        except FileNotFoundError:
            continue  # moved from new/ to cur/ while we were reading
        message = _read(key, raw, received / 1e9)
        if to is None or to.lower() in message.to.lower():
            found.append((received, key, message))
    # Date headers have one-second resolution; the file's arrival time orders
    # a burst of mail correctly.
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [message for _, _, message in found]


def get_message(maildir: Path, key: str) -> SinkMessage | None:
    for message in list_messages(maildir):
        if message.key == key:
            return message
    return None
