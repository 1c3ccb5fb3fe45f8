"""Delivers the sink's mail to the simulated people.

One poller reads the sink's Maildir for everybody and puts each new message
in the inbox of every simulated role of the person it is addressed to (a
mentor of two mentees acts as two participants; a manager may also be a
mentor). It reads only the files it has not seen: ``/dev/mail.json`` parses
every message on each call (about 2.5 ms each), which for a cohort's 800
messages would cost two seconds a poll on a small machine.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from mentorflow.demo.display import ActivityLog
from mentorflow.demo.participants import Mail

#: The links of a message, as the sink lists them (every URL of the text part).
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def read_mail(key: str, raw: bytes) -> Mail:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    body = message.get_body(preferencelist=("plain",))
    text = str(body.get_content()) if body is not None else ""
    return Mail(
        key=key,
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        links=_URL.findall(text),
    )


class Mailroom:
    def __init__(
        self,
        maildir: Path,
        log: ActivityLog,
        *,
        watched: dict[str, str] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.maildir = maildir
        self.log = log
        self.interval = interval
        self.inboxes: defaultdict[str, list[asyncio.Queue[Mail]]] = defaultdict(list)
        #: Addresses whose mail is only logged (the program manager's inbox).
        self.watched = {email.lower(): who for email, who in (watched or {}).items()}
        self.seen: set[str] = set()

    @property
    def delivered(self) -> int:
        return len(self.seen)

    def subscribe(self, email: str, inbox: asyncio.Queue[Mail]) -> None:
        self.inboxes[email.lower()].append(inbox)

    async def run(self) -> None:
        while True:
            await self.collect()
            await asyncio.sleep(self.interval)

    async def collect(self) -> None:
        for mail in await asyncio.to_thread(self._new_mail):
            self.deliver(mail)

    def _new_mail(self) -> list[Mail]:
        # A Maildir message is one file in new/ (or cur/ once read, with
        # ":2,FLAGS" after its key); files are complete once they appear there.
        found: list[tuple[int, str, Path]] = []
        for sub in ("new", "cur"):
            folder = self.maildir / sub
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                key = path.name.split(":", 1)[0]
                if key in self.seen or key.startswith("."):
                    continue
                try:
                    found.append((path.stat().st_mtime_ns, key, path))
                except FileNotFoundError:
                    continue  # moved from new/ to cur/ meanwhile: seen next time
        mail: list[Mail] = []
        # Delivered in the order it arrived: a reminder after its first mail.
        for _, key, path in sorted(found):
            try:
                raw = path.read_bytes()
            except FileNotFoundError:
                continue
            self.seen.add(key)
            mail.append(read_mail(key, raw))
        return mail

    def deliver(self, mail: Mail) -> None:
        for _name, address in getaddresses([mail.to]):
            address = address.lower()
            if address in self.watched:
                who = self.watched[address]
                self.log.info(f"{who} received: {mail.subject}", style="bold yellow")
            for inbox in self.inboxes.get(address, []):
                inbox.put_nowait(mail)
