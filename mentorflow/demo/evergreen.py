"""The demo's evergreen program: after the cohort, HR launches an intake of
``examples/demo-evergreen.yaml`` (applications at any time, matched in
rounds), imports five applications and runs a round; Pablo declines the
introduction from the link in his mail, and the next round matches him
again, with a mentor who had room, never the one he declined. The same
operations as ``mentorflow cohort launch``, ``cohort applications import``,
``round run`` and ``round approve``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.cohorts.models import ReviewDecision
from mentorflow.cohorts.rounds import RoundSnapshot
from mentorflow.cohorts.states import ApplicationStatus, RoundStatus
from mentorflow.demo.display import ActivityLog
from mentorflow.demo.mailroom import Mailroom
from mentorflow.demo.participants import Mail
from mentorflow.devstack import Stack
from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr import rounds as hr_rounds
from mentorflow.hr.applications import import_applications
from mentorflow.hr.audited import Actor
from mentorflow.links import LinkError, LinkSigner
from mentorflow.models import Outcome
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Application, Mentorship, Person

PROGRAM = "demo-evergreen.yaml"
APPLICATIONS = "demo-evergreen-applications.csv"
#: The mentee who declines the introduction of the first round.
DECLINES = "E057"
DECLINE_REASON = "I would rather learn from someone outside my own reporting world."
WAIT = 60.0


class EvergreenError(RuntimeError):
    """The evergreen part did not go as its story says; the message says where."""


@dataclass
class EvergreenStory:
    intake: str = ""
    #: (round, mentor name, mentee name) of every pair, in order.
    pairs: list[tuple[int, str, str]] = field(default_factory=list)
    declined: tuple[str, str] | None = None
    rematched: tuple[str, str] | None = None

    def lines(self) -> list[str]:
        out = [f"Evergreen intake {self.intake} (rounds, not cohorts):"]
        for number, mentor, mentee in self.pairs:
            out.append(f"  round {number}: {mentor} → {mentee}")
        if self.declined:
            out.append(f"  {self.declined[1]} declined the introduction to {self.declined[0]}")
        if self.rematched:
            out.append(
                f"  round 2 rematched {self.rematched[1]} with {self.rematched[0]} "
                "(never the mentor declined)"
            )
        return out


class EvergreenDemo:
    def __init__(
        self,
        stack: Stack,
        examples: Path,
        prefix: str,
        http: httpx.AsyncClient,
        log: ActivityLog,
    ) -> None:
        self.stack = stack
        self.prefix = prefix
        self.examples = examples
        self.http = http
        self.log = log
        self.story = EvergreenStory()
        self.engine = make_engine(stack.settings.resolved_database_url)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    async def run(self) -> EvergreenStory:
        settings = self.stack.settings
        program = hr_cohorts.read_program(self.examples / PROGRAM)
        hr = Actor(who=program.program_manager_email)
        # Named like the demo's cohorts, so a later demo retires what is left.
        intake = f"{self.prefix}-evergreen-{datetime.now():%Y%m%d-%H%M%S}"
        self.story.intake = intake
        client, queue = self.stack.client, settings.temporal_task_queue
        await hr_cohorts.launch_cohort(self.sessions, client, queue, program, intake, actor=hr)
        self.log.info(
            f"HR launched the evergreen intake {intake}: applications at any time", "bold"
        )
        report = await import_applications(
            self.sessions, client, queue, intake, self.examples / APPLICATIONS, actor=hr
        )
        self.log.info(f"HR imported {len(report.submitted)} applications to {intake}")
        await self._until(lambda: self._in_pool(intake) >= len(report.submitted), "in the pool")

        first = await self._round(intake, hr)
        if first.pairs_started < 2:
            raise EvergreenError(f"round 1 started {first.pairs_started} pairs, not 2")
        declined = self._mentor_of(intake, DECLINES)
        await self._decline(intake, declined)
        second = await self._round(intake, hr)
        # Jack may get his second mentor in the same round (mentors_per_mentee: 2).
        mentor = self._mentor_of(intake, DECLINES, running=True)
        if second.pairs_started < 1 or mentor == declined:
            raise EvergreenError(f"round 2 did not rematch {DECLINES}: {second.note}")
        self.story.rematched = (self._name(mentor), self._name(DECLINES))
        await hr_cohorts.close_applications(self.sessions, client, intake, actor=hr)
        return self.story

    async def _round(self, intake: str, hr: Actor) -> RoundSnapshot:
        """HR runs a round now and approves its proposal."""
        client = self.stack.client
        opened = await hr_rounds.run_round(
            self.sessions, client, self.stack.settings.temporal_task_queue, intake, actor=hr
        )
        for _ in range(int(WAIT / 0.2)):
            snap = await hr_rounds.round_status(client, intake, opened.number)
            if snap.status is RoundStatus.REVIEW:
                break
            if snap.status is RoundStatus.EMPTY:
                raise EvergreenError(f"round {opened.number} matched nobody: {snap.note}")
            await asyncio.sleep(0.2)
        else:
            raise EvergreenError(f"round {opened.number} never reached review")
        proposal = snap.proposal
        assert proposal is not None
        self.log.info(
            f"Round {opened.number}: {proposal.matched} of {proposal.mentees} waiting mentees "
            f"matched with {proposal.mentors} mentors with room; HR approves",
            "bold",
        )
        await hr_rounds.review_round(
            self.sessions, client, intake, opened.number, ReviewDecision(), actor=hr
        )
        handle = client.get_workflow_handle(opened.workflow_id, result_type=RoundSnapshot)
        done = await asyncio.wait_for(handle.result(), timeout=WAIT)
        with self.sessions() as session:
            rows = session.execute(
                select(Mentorship.mentor_id, Mentorship.mentee_id)
                .where(Mentorship.cohort == intake)
                .order_by(Mentorship.started_at)
            ).all()
        known = {(m, e) for _, m, e in self.story.pairs}
        for mentor, mentee in rows:
            names = (self._name(mentor), self._name(mentee))
            if names not in known:
                self.story.pairs.append((opened.number, *names))
        return done

    async def _decline(self, intake: str, mentor: str) -> None:
        """Pablo reads his introduction and declines it from the link."""
        with self.sessions() as session:
            email = session.scalar(select(Person.email).where(Person.employee_id == DECLINES))
        inbox: asyncio.Queue[Mail] = asyncio.Queue()
        mailroom = Mailroom(self.stack.settings.mail_dir, self.log)
        mailroom.subscribe(str(email), inbox)
        wanted = f"mentorship:{intake}:{mentor}:{DECLINES}"
        link = None
        for _ in range(int(WAIT)):
            await mailroom.collect()
            while not inbox.empty():
                mail = inbox.get_nowait()
                for url in mail.links:
                    if "/l/introduction/" in urlsplit(url).path and wanted in self._claims(url):
                        link = url
            if link:
                break
            await asyncio.sleep(1)
        if link is None:
            raise EvergreenError(f"{DECLINES} never received the introduction to {mentor}")
        await self.http.get(link)
        page = await self.http.post(link, data={"decision": "decline", "reason": DECLINE_REASON})
        if page.status_code != 200:
            raise EvergreenError(f"the decline was not accepted: {page.status_code}")
        self.story.declined = (self._name(mentor), self._name(DECLINES))
        self.log.info(f"{self._name(DECLINES)} declined the introduction to {self._name(mentor)}")
        await self._until(
            lambda: self._outcome(intake, mentor, DECLINES) == Outcome.DECLINED.value,
            "the declined pair closed",
        )

    def _claims(self, url: str) -> str:
        settings = self.stack.settings
        parts = urlsplit(url).path.strip("/").split("/")
        try:
            signer = LinkSigner(settings.resolved_secret_key, settings.link_max_age)
            claims = signer.verify(parts[1], parts[2])
        except (LinkError, IndexError):
            return ""
        return claims.workflow_id

    # ----------------------------------------------------------------- store reads

    def _in_pool(self, intake: str) -> int:
        with self.sessions() as session:
            return len(
                session.scalars(
                    select(Application.id).where(
                        Application.cohort == intake,
                        Application.status == ApplicationStatus.APPROVED.value,
                    )
                ).all()
            )

    def _mentor_of(self, intake: str, mentee: str, running: bool = False) -> str:
        with self.sessions() as session:
            query = select(Mentorship.mentor_id).where(
                Mentorship.cohort == intake, Mentorship.mentee_id == mentee
            )
            if running:
                query = query.where(Mentorship.outcome.is_(None))
            mentor = session.scalars(query.order_by(Mentorship.started_at.desc())).first()
        if mentor is None:
            raise EvergreenError(f"{mentee} has no {'running ' if running else ''}mentorship")
        return mentor

    def _outcome(self, intake: str, mentor: str, mentee: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(
                select(Mentorship.outcome).where(
                    Mentorship.cohort == intake,
                    Mentorship.mentor_id == mentor,
                    Mentorship.mentee_id == mentee,
                )
            )

    def _name(self, employee_id: str) -> str:
        with self.sessions() as session:
            return session.scalar(select(Person.name).where(Person.employee_id == employee_id)) or (
                employee_id
            )

    async def _until(self, check: Callable[[], bool], what: str) -> None:
        for _ in range(int(WAIT / 0.5)):
            if await asyncio.to_thread(check):
                return
            await asyncio.sleep(0.5)
        raise EvergreenError(f"not reached within {WAIT:.0f}s: {what}")
