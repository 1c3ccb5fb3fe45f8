"""Simulated people of the application phase: managers who approve (or
decline, or never answer) from the link in their email, and applicants who
withdraw from the link in theirs. Like the participants, they open the page
and send the form a browser would send."""

from __future__ import annotations

import asyncio
import random
from abc import ABC, abstractmethod
from urllib.parse import urlsplit

import httpx

from mentorflow.applications.models import application_workflow_id
from mentorflow.demo.display import ActivityLog
from mentorflow.demo.participants import Mail, SignedLink, page_message
from mentorflow.demo.stories import Colleague
from mentorflow.links import LinkError, LinkSigner

READING_DELAY = (0.4, 2.0)


def signed_links(mail: Mail, signer: LinkSigner, purpose: str) -> list[SignedLink]:
    """The valid links of ``purpose`` in a mail (``/l/{purpose}/{token}``)."""
    found: list[SignedLink] = []
    for url in mail.links:
        parts = urlsplit(url).path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "l" and parts[1] == purpose:
            try:
                found.append(SignedLink(url, signer.verify(purpose, parts[2])))
            except LinkError:
                continue
    return found


def decision_form(decline_reason: str | None) -> dict[str, str]:
    """The approval page's form: approve, or decline with the reason."""
    if decline_reason:
        return {"decision": "decline", "reason": decline_reason}
    return {"decision": "approve", "reason": ""}


def withdraw_form(reason: str) -> dict[str, str]:
    return {"reason": reason}


class LinkFollower(ABC):
    """Reads an inbox one mail at a time and answers through the web app."""

    def __init__(
        self, person: Colleague, *, http: httpx.AsyncClient, signer: LinkSigner, log: ActivityLog
    ) -> None:
        self.person = person
        self.http = http
        self.signer = signer
        self.log = log
        self.inbox: asyncio.Queue[Mail] = asyncio.Queue()
        self.rng = random.Random(person.employee_id)

    async def run(self) -> None:
        while True:
            mail = await self.inbox.get()
            try:
                await self.read(mail)
            except httpx.HTTPError as exc:
                self.log.warn(f"{self.person.first_name} could not reach the web app: {exc!r}")

    @abstractmethod
    async def read(self, mail: Mail) -> None:
        """Act on one mail (each kind of person looks for other links)."""

    async def submit(self, link: SignedLink, form: dict[str, str], what: str) -> bool:
        """Open the page, then send the form; True when it was taken."""
        await asyncio.sleep(self.rng.uniform(*READING_DELAY))
        page = await self.http.get(link.url)
        if page.status_code == 200:
            page = await self.http.post(link.url, data=form)
            if page.status_code == 200:
                return True
        message = f"{page.status_code} {page_message(page.text)}"
        if page.status_code in (409, 410):
            # The application moved on meanwhile (withdrawn, or decided):
            # what happens to people who read their mail late.
            self.log.info(f"{self.person.first_name} opened the {what} link late: {message}", "dim")
        else:
            self.log.warn(f"{self.person.first_name}'s {what} was not accepted: {message}")
        return False


class SimulatedManager(LinkFollower):
    """Approves each report's application, unless the plan says otherwise."""

    def __init__(
        self,
        person: Colleague,
        cohort: str,
        reports: dict[str, Colleague],
        *,
        declines: dict[str, str],
        silent: set[str],
        http: httpx.AsyncClient,
        signer: LinkSigner,
        log: ActivityLog,
    ) -> None:
        super().__init__(person, http=http, signer=signer, log=log)
        #: Applications of this cohort (workflow id) → the applicant.
        self.reports = {application_workflow_id(cohort, e): c for e, c in reports.items()}
        self.declines = declines
        self.silent = silent
        self.answered: set[str] = set()

    async def read(self, mail: Mail) -> None:
        for link in signed_links(mail, self.signer, "approval"):
            applicant = self.reports.get(link.claims.workflow_id)
            if applicant is None or link.claims.participant_id != self.person.employee_id:
                continue
            key = applicant.employee_id
            if key in self.silent:
                if key not in self.answered:
                    self.answered.add(key)
                    self.log.info(
                        f"{self.person.first_name} leaves the approval for "
                        f"{applicant.first_name} unanswered",
                        "yellow",
                    )
                continue
            if key in self.answered:
                continue  # the reminder of something already decided
            self.answered.add(key)
            reason = self.declines.get(key)
            if await self.submit(link, decision_form(reason), "approval"):
                name = f"{self.person.first_name} (manager)"
                if reason:
                    self.log.info(
                        f"{name} declined {applicant.first_name}'s application: {reason}",
                        "magenta",
                    )
                else:
                    self.log.info(f"{name} approved {applicant.first_name}'s application")


class SimulatedApplicant(LinkFollower):
    """Withdraws through the link in the first email that carries one."""

    def __init__(
        self,
        person: Colleague,
        cohort: str,
        reason: str,
        *,
        http: httpx.AsyncClient,
        signer: LinkSigner,
        log: ActivityLog,
    ) -> None:
        super().__init__(person, http=http, signer=signer, log=log)
        self.workflow_id = application_workflow_id(cohort, person.employee_id)
        self.reason = reason
        self.done = False

    async def read(self, mail: Mail) -> None:
        if self.done:
            return
        for link in signed_links(mail, self.signer, "withdraw"):
            if link.claims.workflow_id != self.workflow_id:
                continue
            self.done = True
            if await self.submit(link, withdraw_form(self.reason), "withdraw"):
                self.log.info(
                    f"{self.person.first_name} withdrew the application: {self.reason}", "magenta"
                )
            return
