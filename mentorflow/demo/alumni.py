"""A simulated graduate who reads the invitation to mentor in the next cohort
and accepts it from the link, with the fields the page's form sends."""

from __future__ import annotations

import asyncio

import httpx

from mentorflow.demo.applicants import LinkFollower, signed_links
from mentorflow.demo.display import ActivityLog
from mentorflow.demo.participants import Mail
from mentorflow.demo.stories import Colleague
from mentorflow.links import LinkSigner

ACCEPT = {
    "decision": "accept",
    "capacity": "1",
    "expertise": "Getting started on a new team; goal setting that sticks.",
    "languages": "English",
}


class SimulatedAlumnus(LinkFollower):
    """Accepts the first invitation addressed to them; the reminder is ignored."""

    def __init__(
        self, person: Colleague, *, http: httpx.AsyncClient, signer: LinkSigner, log: ActivityLog
    ) -> None:
        super().__init__(person, http=http, signer=signer, log=log)
        self.accepted = asyncio.Event()
        self.answered = False

    async def read(self, mail: Mail) -> None:
        for link in signed_links(mail, self.signer, "alumni"):
            if self.answered or link.claims.participant_id != self.person.employee_id:
                continue
            self.answered = True
            if await self.submit(link, ACCEPT, "acceptance"):
                self.accepted.set()
                self.log.info(
                    f"{self.person.name} accepted the invitation to mentor in the next cohort",
                    "green",
                )
