"""A simulated graduate who reads the invitation to mentor in the next cohort
and accepts it from the link, with the fields the page's form sends."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import httpx

from mentorflow.demo.display import ActivityLog
from mentorflow.demo.participants import Mail, page_message
from mentorflow.demo.plan import DemoPerson
from mentorflow.links import LinkError, LinkSigner

PURPOSE = "alumni"


class SimulatedAlumnus:
    def __init__(
        self, person: DemoPerson, *, http: httpx.AsyncClient, signer: LinkSigner, log: ActivityLog
    ) -> None:
        self.person = person
        self.http = http
        self.signer = signer
        self.log = log
        self.inbox: asyncio.Queue[Mail] = asyncio.Queue()
        self.accepted = asyncio.Event()

    def _invitation_link(self, mail: Mail) -> str | None:
        for url in mail.links:
            parts = urlsplit(url).path.strip("/").split("/")
            if len(parts) != 3 or parts[:2] != ["l", PURPOSE]:
                continue
            try:
                claims = self.signer.verify(PURPOSE, parts[2])
            except LinkError:
                continue
            if claims.participant_id == self.person.employee_id:
                return url
        return None

    async def run(self) -> None:
        while not self.accepted.is_set():
            url = self._invitation_link(await self.inbox.get())
            if url is None:
                continue
            await asyncio.sleep(1.0)  # reads it over coffee
            page = await self.http.get(url)
            if page.status_code == 200:
                form = {
                    "decision": "accept",
                    "capacity": "1",
                    "expertise": "Getting started on a new team; goal setting that sticks.",
                    "languages": "English",
                }
                page = await self.http.post(url, data=form)
            if page.status_code == 200:
                self.accepted.set()
                self.log.info(
                    f"{self.person.name} accepted the invitation to mentor in the next cohort",
                    "green",
                )
            else:
                message = f"{page.status_code} {page_message(page.text)}"
                self.log.warn(f"{self.person.first_name}'s acceptance was not taken: {message}")
                return
