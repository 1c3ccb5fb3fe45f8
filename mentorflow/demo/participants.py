"""Simulated participants: they read their mail, follow its signed links, open
the page and submit the form, with the field names a browser would send.

Each person works through their inbox one message at a time, after a short
"reading" delay, and remembers what they already answered so that a reminder
for something done is ignored (as people do).
"""

from __future__ import annotations

import asyncio
import html
import random
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import httpx

from mentorflow.demo.display import ActivityLog
from mentorflow.demo.plan import Behaviour, DemoPair, DemoPerson, Journal
from mentorflow.links import LinkClaims, LinkError, LinkSigner
from mentorflow.models import Goal, Role


@dataclass(frozen=True)
class Mail:
    """One message as ``GET /dev/mail.json`` lists it."""

    key: str
    to: str
    subject: str
    links: list[str]


@dataclass(frozen=True)
class SignedLink:
    url: str
    claims: LinkClaims


@dataclass
class PairScript:
    """What both people of a pair know: their goals as last proposed."""

    pair: DemoPair
    workflow_id: str
    checkins_planned: int
    goals: list[Goal] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.pair.mentor.first_name} & {self.pair.mentee.first_name}"


def goals_form(goals: list[Goal]) -> dict[str, str]:
    form: dict[str, str] = {}
    for g, goal in enumerate(goals):
        form[f"goal_{g}_title"] = goal.title
        form[f"goal_{g}_description"] = goal.description
        for i, milestone in enumerate(goal.milestones):
            form[f"goal_{g}_m{i}_title"] = milestone.title
            form[f"goal_{g}_m{i}_date"] = milestone.target_date.isoformat()
    return form


def milestone_progress(goals: list[Goal], number: int, planned: int) -> dict[str, str]:
    """Form fields ``m_{g}_{i}``: milestones get done evenly over the planned
    check-ins (all done by the last one); the next one is in progress."""
    keys = [f"m_{g}_{i}" for g, goal in enumerate(goals) for i in range(len(goal.milestones))]
    done = len(keys) * min(number, planned) // max(planned, 1)
    return {
        key: "done" if k < done else "in_progress" if k == done else "not_started"
        for k, key in enumerate(keys)
    }


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def page_message(body: str, limit: int = 160) -> str:
    """The gist of an HTML page (its heading and first paragraph) for the log."""
    parts = [
        re.sub(r"<[^>]+>", "", m)
        for m in re.findall(r"<(?:h1|p)[^>]*>(.*?)</(?:h1|p)>", body, re.S | re.I)[:2]
    ]
    text = " ".join(html.unescape(" ".join(p.split())) for p in parts) or body[:limit]
    return text[:limit]


class SimulatedParticipant:
    def __init__(
        self,
        person: DemoPerson,
        role: Role,
        script: PairScript,
        *,
        http: httpx.AsyncClient,
        signer: LinkSigner,
        journal: Journal,
        log: ActivityLog,
        reading_delay: tuple[float, float] = (0.4, 2.0),
        leave: Callable[[DemoPerson], Awaitable[None]] | None = None,
    ) -> None:
        self.person = person
        #: Called when this person's story has them leave the organisation.
        self.leave = leave
        self.role = role
        self.script = script
        self.http = http
        self.signer = signer
        self.journal = journal
        self.log = log
        self.reading_delay = reading_delay
        self.inbox: asyncio.Queue[Mail] = asyncio.Queue()
        # Seeded per person: the same demo file tells the same story each run.
        self.rng = random.Random(person.employee_id)
        self.answered: set[tuple[str, str]] = set()
        self.seen: Counter[tuple[str, str]] = Counter()
        self.goal_rounds = 0
        self.asked_for_changes = False
        self.resume_pending = False
        self.background: set[asyncio.Task[None]] = set()

    @property
    def name(self) -> str:
        return self.person.first_name

    @property
    def behaviour(self) -> Behaviour:
        return self.person.behaviour

    async def run(self) -> None:
        while True:
            mail = await self.inbox.get()
            try:
                await self.read(mail)
            except httpx.HTTPError as exc:
                self.log.warn(f"{self.name} could not reach the web app: {exc!r}")

    # ----------------------------------------------------------------- reading

    def _links(self, mail: Mail) -> dict[str, SignedLink]:
        """This person's signed links in the mail for their own pair, by purpose."""
        found: dict[str, SignedLink] = {}
        for url in mail.links:
            parts = urlsplit(url).path.strip("/").split("/")
            if len(parts) != 3 or parts[0] != "l":
                continue
            purpose, token = parts[1], parts[2]
            try:
                claims = self.signer.verify(purpose, token)
            except LinkError:
                continue
            if (
                claims.workflow_id == self.script.workflow_id
                and claims.participant_id == self.person.employee_id
            ):
                found.setdefault(purpose, SignedLink(url, claims))
        return found

    async def read(self, mail: Mail) -> None:
        links = self._links(mail)
        if "introduction" in links:
            await self.confirm_introduction(links["introduction"])
        elif "goals" in links:
            await self.propose_goals(links["goals"])
        elif "review" in links:
            await self.review_goals(links["review"])
        elif "checkin" in links:
            await self.answer_checkin(links["checkin"], links.get("end"))
        elif "survey" in links:
            await self.answer_survey(links["survey"])
        elif "end" in links and self.resume_pending:
            # The "mentorship paused" mail: its manage link resumes later.
            self.resume_pending = False
            task = asyncio.create_task(self.resume_later(links["end"]))
            self.background.add(task)
            task.add_done_callback(self.background.discard)

    async def submit(self, link: SignedLink, form: dict[str, str], what: str) -> bool:
        """Open the page, then send the form; True when the page thanked us."""
        await asyncio.sleep(self.rng.uniform(*self.reading_delay))
        page = await self.http.get(link.url)
        if page.status_code == 200:
            page = await self.http.post(link.url, data=form)
            if page.status_code == 200:
                return True
        message = f"{page.status_code} {page_message(page.text)}"
        if page.status_code == 410:
            # Gone: the window closed or the pair ended meanwhile, as happens to
            # people who read their mail late. Not a fault of the demo.
            self.log.info(f"{self.name} opened the {what} link too late: {message}", "dim")
        else:
            self.log.warn(f"{self.name}'s {what} was not accepted: {message}")
        return False

    def _once(self, purpose: str, ref: str) -> bool:
        """Count this mail; False if it asks about something already answered."""
        self.seen[(purpose, ref)] += 1
        return (purpose, ref) not in self.answered

    # ----------------------------------------------------------------- answers

    async def confirm_introduction(self, link: SignedLink) -> None:
        if not self._once("introduction", ""):
            return
        self.answered.add(("introduction", ""))
        partner = self.script.pair.mentee if self.role is Role.MENTOR else self.script.pair.mentor
        if await self.submit(link, {"decision": "accept", "reason": ""}, "introduction"):
            self.log.info(f"{self.name} accepted the introduction to {partner.first_name}")

    async def propose_goals(self, link: SignedLink) -> None:
        self.goal_rounds += 1
        plan = self.script.pair
        drafts = plan.revised_goals if self.goal_rounds > 1 and plan.revised_goals else plan.goals
        goals = [draft.goal(date.today()) for draft in drafts]
        if await self.submit(link, goals_form(goals), "goals"):
            self.script.goals = goals
            milestones = sum(len(g.milestones) for g in goals)
            verb = "revised" if self.goal_rounds > 1 else "proposed"
            self.log.info(
                f"{self.name} {verb} {plural(len(goals), 'goal')} "
                f"with {plural(milestones, 'milestone')}"
            )

    async def review_goals(self, link: SignedLink) -> None:
        # A mentor of two mentees reviews two sets of goals: say whose.
        whose = f"{self.script.pair.mentee.first_name}'s"
        comment = self.behaviour.asks_for_goal_changes
        if comment and not self.asked_for_changes:
            form = {"decision": "changes", "comment": comment}
            if await self.submit(link, form, "goal review"):
                self.asked_for_changes = True
                self.log.info(f"{self.name} asked for changes to {whose} goals", style="yellow")
            return
        form = {"decision": "agree", "comment": "Clear and ambitious. Let's go!"}
        if await self.submit(link, form, "goal review"):
            self.log.info(f"{self.name} agreed to {whose} goals", style="green")

    async def answer_checkin(self, link: SignedLink, manage: SignedLink | None) -> None:
        ref = link.claims.ref
        number = int(ref)
        if not self._once("checkin", ref):
            return
        b = self.behaviour
        if number in b.skips_checkins:
            self.answered.add(("checkin", ref))
            self.log.info(f"{self.name} is too busy for check-in {number}", style="red")
            return
        if number == b.ends_early_at_checkin and manage is not None:
            self.answered.add(("checkin", ref))
            if await self.submit(manage, {"action": "end", "reason": b.end_reason}, "end"):
                self.log.info(
                    f"{self.name} ended the mentorship early: {b.end_reason}", style="magenta"
                )
            return
        if b.answers_after_reminder and self.seen[("checkin", ref)] == 1:
            return  # a busy week: the reminder will bring it back
        self.answered.add(("checkin", ref))
        if await self.submit(link, self.checkin_form(number), f"check-in {number}"):
            met = "rescheduled" if number in b.rescheduled_checkins else "met"
            late = " (after the reminder)" if self.seen[("checkin", ref)] > 1 else ""
            self.log.info(f"{self.name} answered check-in {number}: {met}{late}")
            if number == b.leaves_after_checkin and self.leave is not None:
                await self.leave(self.person)
            if number == b.pauses_after_checkin and manage is not None:
                form = {"action": "pause", "reason": b.pause_reason}
                if await self.submit(manage, form, "pause"):
                    self.resume_pending = True
                    self.log.info(f"{self.name} paused the mentorship: {b.pause_reason}", "yellow")

    def checkin_form(self, number: int) -> dict[str, str]:
        b = self.behaviour
        j = self.journal
        pick = self.rng.choice
        if number in b.rescheduled_checkins:
            form = {"met": "rescheduled", "value": ""}
        else:
            value = min(5, max(1, b.value + pick([-1, 0, 0, 0, 1])))
            form = {"met": "yes", "value": str(value)}
        form |= milestone_progress(self.script.goals, number, self.script.checkins_planned)
        mentee = self.role is Role.MENTEE
        form |= {
            "challenges": pick(j.challenges) if mentee else "",
            "wins": pick(j.wins),
            "upcoming_decisions": pick(j.upcoming_decisions) if mentee else "",
            "introductions": pick(j.introductions) if not mentee or number % 2 else "",
            "blockers": "",
            "notes": pick(j.notes),
        }
        return form

    async def answer_survey(self, link: SignedLink) -> None:
        kind = link.claims.ref
        if not self._once("survey", kind):
            return
        self.answered.add(("survey", kind))
        form = self.survey_form(kind)
        if await self.submit(link, form, f"{kind} survey"):
            self.log.info(f"{self.name} answered the {kind} survey ({form['rating']}/5)")

    def survey_form(self, kind: str) -> dict[str, str]:
        b = self.behaviour
        form = {"rating": str(b.rating), "gained": b.gained, "comments": ""}
        if kind == "midpoint":
            form["working_well"] = "yes"
        else:
            form["goals_achieved"] = str(len(self.script.goals))
            if self.role is Role.MENTEE:
                form["would_mentor"] = b.would_mentor.value
        return form

    async def resume_later(self, link: SignedLink) -> None:
        await asyncio.sleep(self.behaviour.pause_seconds)
        if await self.submit(link, {"action": "resume", "reason": ""}, "resume"):
            self.log.info(f"{self.name} resumed the mentorship", style="green")
