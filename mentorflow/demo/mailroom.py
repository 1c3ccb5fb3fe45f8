"""Delivers the sink's mail to the simulated people.

One poller reads ``GET /dev/mail.json`` for everybody (the page parses the whole
Maildir on each call, so a dozen people polling it each second would be wasteful)
and puts each new message in the inbox of the person it is addressed to.
"""

from __future__ import annotations

import asyncio
from email.utils import getaddresses

import httpx

from mentorflow.demo.display import ActivityLog
from mentorflow.demo.participants import Mail


class Mailroom:
    def __init__(
        self,
        http: httpx.AsyncClient,
        mail_json_url: str,
        log: ActivityLog,
        *,
        watched: dict[str, str] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.http = http
        self.url = mail_json_url
        self.log = log
        self.interval = interval
        self.inboxes: dict[str, asyncio.Queue[Mail]] = {}
        #: Addresses whose mail is only logged (the program manager's inbox).
        self.watched = {email.lower(): who for email, who in (watched or {}).items()}
        self.seen: set[str] = set()
        self.failing = False

    @property
    def delivered(self) -> int:
        return len(self.seen)

    def subscribe(self, email: str, inbox: asyncio.Queue[Mail]) -> None:
        self.inboxes[email.lower()] = inbox

    async def run(self) -> None:
        while True:
            await self.collect()
            await asyncio.sleep(self.interval)

    async def collect(self) -> None:
        try:
            response = await self.http.get(self.url)
            response.raise_for_status()
            listing = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            if not self.failing:  # say it once, not every second
                self.log.warn(f"cannot read {self.url}: {exc!r}")
            self.failing = True
            return
        self.failing = False
        # The listing is newest first; deliver in the order it was sent.
        for item in reversed(listing):
            if item["key"] in self.seen:
                continue
            self.seen.add(item["key"])
            mail = Mail(
                key=item["key"],
                to=str(item["to"]),
                subject=str(item["subject"]),
                links=list(item.get("links") or []),
            )
            self.deliver(mail)

    def deliver(self, mail: Mail) -> None:
        for _name, address in getaddresses([mail.to]):
            address = address.lower()
            if address in self.watched:
                who = self.watched[address]
                self.log.info(f"{who} received: {mail.subject}", style="bold yellow")
            if address in self.inboxes:
                self.inboxes[address].put_nowait(mail)
