"""A test pair, its program and a driver that plays both participants on the
time-skipping server: it answers whatever is open and otherwise skips time to
the workflow's next deadline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import (
    AlumniPromise,
    CheckInAnswer,
    Goal,
    GoalProposal,
    GoalReview,
    IntroductionAnswer,
    MeetingStatus,
    MentorshipInput,
    MentorshipSnapshot,
    Milestone,
    Participant,
    ProgramSettings,
    SurveyAnswer,
    SurveyKind,
    WouldMentor,
)
from mentorflow.settings import Settings
from worker.main import running_worker
from workflows.mentorship import MentorshipWorkflow

MENTOR = Participant(
    employee_id="E100",
    email="maria.mentor@example.com",
    name="Maria Jansen",
    timezone="Europe/Berlin",
)
MENTEE = Participant(
    employee_id="E200",
    email="eli.mentee@example.com",
    name="Eli Okafor",
    timezone="America/New_York",
)
PM = "programs@example.com"

SIX_MONTHS_BIWEEKLY = ProgramSettings(
    program_name="Engineering Mentoring",
    program_manager_email=PM,
    cadence="biweekly",
    duration=timedelta(days=182),
)


def goals_for(start_year: int = 2027) -> list[Goal]:
    return [
        Goal(
            title="Lead a design review",
            description="Own the review of the payments redesign end to end.",
            milestones=[
                Milestone(title="Shadow two reviews", target_date=f"{start_year}-02-01"),
                Milestone(title="Run one review", target_date=f"{start_year}-04-01"),
            ],
        ),
        Goal(
            title="Grow my network in product",
            milestones=[Milestone(title="Three coffee chats", target_date=f"{start_year}-03-01")],
        ),
    ]


def settings_for(tmp_path: Path, db_url: str, smtp_port: int) -> Settings:
    return Settings(
        var_dir=tmp_path,
        database_url=db_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        secret_key="test-secret",
        base_url="http://mentorflow.test",
        mail_from="mentorflow <mentorflow@example.com>",
    )


@asynccontextmanager
async def worker_for(client: Client, settings: Settings, task_queue: str) -> AsyncIterator[None]:
    """A worker on the test's own task queue; the workflows its activities
    start (a cohort's applications and pairs) go to that queue too."""
    settings = settings.model_copy(update={"temporal_task_queue": task_queue})
    async with running_worker(client, settings, task_queue=task_queue):
        yield


async def start_pair(
    client: Client,
    task_queue: str,
    program: ProgramSettings,
    cohort: str = "c1",
    alumni: AlumniPromise | None = None,
    rematch: bool = False,
) -> WorkflowHandle:
    pair = MentorshipInput(
        cohort=cohort,
        program=program,
        mentor=MENTOR,
        mentee=MENTEE,
        alumni=alumni,
        rematch=rematch,
    )
    return await client.start_workflow(
        MentorshipWorkflow.run, pair, id=pair.workflow_id, task_queue=task_queue
    )


async def snapshot(handle: WorkflowHandle) -> MentorshipSnapshot:
    return await handle.query(MentorshipWorkflow.snapshot)


async def eventually(
    handle: WorkflowHandle,
    predicate: Callable[[MentorshipSnapshot], bool],
    within: float = 15.0,
) -> MentorshipSnapshot:
    """Poll the snapshot until ``predicate`` holds (activities take real time)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        snap = await snapshot(handle)
        if predicate(snap):
            return snap
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not reached; snapshot: {snap.model_dump_json()}")
        await asyncio.sleep(0.05)


async def introduce(handle: WorkflowHandle) -> None:
    for person in (MENTOR, MENTEE):
        await handle.execute_update(
            MentorshipWorkflow.confirm_introduction,
            IntroductionAnswer(by=person.employee_id, accept=True),
        )


async def agree_goals(handle: WorkflowHandle) -> None:
    await eventually(handle, lambda s: s.phase == "goals")
    await handle.execute_update(
        MentorshipWorkflow.propose_goals, GoalProposal(by=MENTEE.employee_id, goals=goals_for())
    )
    await handle.execute_update(
        MentorshipWorkflow.review_goals, GoalReview(by=MENTOR.employee_id, agree=True)
    )
    await eventually(handle, lambda s: s.phase == "checkins")


CheckInPolicy = Callable[[int, Participant], CheckInAnswer | None]


def diligent(number: int, person: Participant) -> CheckInAnswer:
    return CheckInAnswer(
        by=person.employee_id,
        number=number,
        met=MeetingStatus.YES,
        value=4 + number % 2,
        milestone_progress={"0.0": "done"} if number >= 2 else {"0.0": "in_progress"},
        challenges="Prioritising the roadmap",
        wins="Shipped the RFC",
        upcoming_decisions="Whether to join the platform team",
        introductions="Met Sam from product",
    )


@dataclass
class Driver:
    """Plays both participants until the mentorship closes."""

    env: WorkflowEnvironment
    handle: WorkflowHandle
    checkin: CheckInPolicy = diligent
    survey_answers: int = 0
    checkin_answers: list[tuple[int, str]] = field(default_factory=list)
    on_snapshot: Callable[[MentorshipSnapshot], Awaitable[None]] | None = None

    async def run(self, within: float = 90.0) -> MentorshipSnapshot:
        give_up = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < give_up:
            snap = await snapshot(self.handle)
            if snap.outcome is not None:
                return snap
            if self.on_snapshot:
                await self.on_snapshot(snap)
            if await self._act(snap):
                continue
            if snap.steps_in_flight:
                await asyncio.sleep(0.02)  # busy: its next deadline is not settled yet
                continue
            now = await self.env.get_current_time()
            if snap.next_event_at and snap.next_event_at > now:
                await self.env.sleep(snap.next_event_at - now + timedelta(seconds=1))
            else:
                await asyncio.sleep(0.02)
        raise AssertionError(f"the mentorship did not close within {within}s of real time")

    async def _act(self, snap: MentorshipSnapshot) -> bool:
        for view in snap.checkins:
            for person in (MENTOR, MENTEE):
                pid = person.employee_id
                if pid in view.open_for and pid not in view.answered_by:
                    answer = self.checkin(view.number, person)
                    if answer is None:
                        continue
                    await self.handle.execute_update(MentorshipWorkflow.answer_checkin, answer)
                    self.checkin_answers.append((view.number, pid))
                    return True
        for survey in snap.surveys:
            if survey.done:
                continue
            for person in (MENTOR, MENTEE):
                if person.employee_id not in survey.answered_by:
                    await self.handle.execute_update(
                        MentorshipWorkflow.answer_survey, survey_answer(survey.kind, person)
                    )
                    self.survey_answers += 1
                    return True
        return False


def survey_answer(kind: SurveyKind, person: Participant) -> SurveyAnswer:
    final_mentee = kind == SurveyKind.FINAL and person.employee_id == MENTEE.employee_id
    return SurveyAnswer(
        by=person.employee_id,
        kind=kind,
        rating=5,
        gained=f"{person.first_name} learned to give candid feedback",
        working_well=True if kind == SurveyKind.MIDPOINT else None,
        goals_achieved=2 if kind == SurveyKind.FINAL else None,
        would_mentor=WouldMentor.YES if final_mentee else None,
    )
