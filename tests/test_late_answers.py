"""Answers the web app kept while no worker ran reach MentorshipWorkflow late,
stamped with when they were received (as the answer deliverer sends them);
on the time-skipping server with the real activities (SQLite, aiosmtpd):

- a survey answer received in its window counts after the window closed;
- a check-in answer received in its window turns the check-in it missed into
  what it would have been: counts, streak and at-risk state corrected, the
  store's row updated, the at-risk alert already sent left as it was;
- an introduction does not time out while answers kept before its deadline
  wait for delivery, and counts them when they arrive.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import (
    CheckInAnswer,
    CheckInOutcome,
    GoalProposal,
    IntroductionAnswer,
    MeetingStatus,
    MentorshipSnapshot,
    ProgramSettings,
    SurveyAnswer,
    SurveyKind,
    WouldMentor,
)
from tests.conftest import SmtpServer
from tests.support.kept import (
    checkin_outcomes,
    events,
    keep_answer,
    mark_delivered,
    survey_answers,
    until,
    waits_for_kept_answers,
)
from tests.support.pairs import (
    MENTEE,
    MENTOR,
    PM,
    agree_goals,
    goals_for,
    introduce,
    settings_for,
    snapshot,
    start_pair,
    worker_for,
)
from workflows.mentorship import MentorshipWorkflow

#: Hourly check-ins open for half an hour; one missed one puts the pair at risk.
HOURLY = ProgramSettings(
    program_name="Sprint mentoring",
    program_manager_email=PM,
    cadence="PT1H",
    checkin_window="PT30M",
    duration="PT4H",
    introduction_timeout="PT2H",
    goals_timeout="PT2H",
    survey_window="PT30M",
    at_risk_streak=1,
)


@dataclass
class Pair:
    env: WorkflowEnvironment
    handle: WorkflowHandle
    db_url: str
    smtp: SmtpServer

    async def skip_until(
        self, done: Callable[[MentorshipSnapshot], bool], within: float = 60.0
    ) -> MentorshipSnapshot:
        """Nobody answers: skip time to each next deadline until ``done``."""
        give_up = asyncio.get_running_loop().time() + within
        while asyncio.get_running_loop().time() < give_up:
            snap = await snapshot(self.handle)
            if done(snap):
                return snap
            now = await self.env.get_current_time()
            if not snap.steps_in_flight and snap.next_event_at and snap.next_event_at > now:
                await self.env.sleep(snap.next_event_at - now + timedelta(seconds=1))
            else:
                await asyncio.sleep(0.02)
        raise AssertionError(f"not reached; snapshot: {snap.model_dump_json()}")


@pytest.fixture
async def pair(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Pair]:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(time_skipping_env.client, settings, task_queue):
        handle = await start_pair(
            time_skipping_env.client, task_queue, HOURLY, f"late-{uuid.uuid4().hex[:8]}"
        )
        yield Pair(time_skipping_env, handle, sqlite_url, smtp_server)
        await handle.terminate("test over")


def at_risk_alerts(pair: Pair) -> list[EmailMessage]:
    return [m for m in pair.smtp.recorder.to(PM) if "risk" in str(m["Subject"]).lower()]


def midpoint(snap: MentorshipSnapshot):  # type: ignore[no-untyped-def]
    return next((s for s in snap.surveys if s.kind == SurveyKind.MIDPOINT), None)


async def test_a_survey_answer_received_in_its_window_counts_after_it_closed(pair: Pair) -> None:
    await introduce(pair.handle)
    await agree_goals(pair.handle)
    snap = await pair.skip_until(lambda s: (m := midpoint(s)) is not None and m.done)
    closes = midpoint(snap).closes  # type: ignore[union-attr]
    assert closes is not None and closes < await pair.env.get_current_time()

    def answer(received_at: datetime) -> SurveyAnswer:
        return SurveyAnswer(
            by=MENTEE.employee_id,
            kind=SurveyKind.MIDPOINT,
            rating=4,
            working_well=True,
            received_at=received_at,
        )

    # Received after the window closed: refused, as it would have been.
    with pytest.raises(WorkflowUpdateFailedError):
        await pair.handle.execute_update(
            MentorshipWorkflow.answer_survey, answer(closes + timedelta(minutes=1))
        )
    await pair.handle.execute_update(
        MentorshipWorkflow.answer_survey, answer(closes - timedelta(minutes=5))
    )
    assert MENTEE.employee_id in midpoint(await snapshot(pair.handle)).answered_by  # type: ignore[union-attr]
    assert survey_answers(pair.db_url, pair.handle.id) == [("midpoint", MENTEE.employee_id, 4)]


async def test_a_late_checkin_answer_turns_a_missed_checkin_into_a_held_one(pair: Pair) -> None:
    await introduce(pair.handle)
    await agree_goals(pair.handle)
    snap = await pair.skip_until(lambda s: bool(s.checkins) and s.checkins[0].outcome is not None)
    first = snap.checkins[0]
    assert first.outcome == CheckInOutcome.MISSED
    assert (snap.checkins_missed, snap.missed_streak, snap.at_risk) == (1, 1, True)
    assert len(at_risk_alerts(pair)) == 1

    # The mentee answered inside their window; the worker was down until now.
    received = first.opens[MENTEE.employee_id] + timedelta(minutes=10)
    await pair.handle.execute_update(
        MentorshipWorkflow.answer_checkin,
        CheckInAnswer(
            by=MENTEE.employee_id,
            number=1,
            met=MeetingStatus.YES,
            value=5,
            wins="Ran the design review",
            received_at=received,
        ),
    )
    snap = await snapshot(pair.handle)
    assert snap.checkins[0].outcome == CheckInOutcome.HELD
    assert (snap.checkins_held, snap.checkins_missed) == (1, 0)
    assert (snap.missed_streak, snap.at_risk) == (0, False)
    assert checkin_outcomes(pair.db_url, pair.handle.id)[1] == "held"
    [changed] = events(pair.db_url, pair.handle.id, "checkin_reevaluated")
    assert changed["was"] == "missed" and changed["now"] == "held"
    assert changed["at_risk_was"] is True and changed["at_risk"] is False
    # The alert that went out is not sent again, nor retracted.
    assert len(at_risk_alerts(pair)) == 1

    # The next check-in missed again starts a new streak: a new alert, once.
    snap = await pair.skip_until(
        lambda s: len(s.checkins) > 1 and s.checkins[1].outcome is not None
    )
    assert (snap.checkins_missed, snap.missed_streak, snap.at_risk) == (1, 1, True)
    await until(lambda: len(at_risk_alerts(pair)) == 2)


async def test_an_introduction_waits_for_answers_kept_before_its_deadline(pair: Pair) -> None:
    await pair.smtp.recorder.wait_for(lambda m: MENTEE.email in str(m["To"]))
    await pair.smtp.recorder.wait_for(lambda m: MENTOR.email in str(m["To"]))
    received = await pair.env.get_current_time()
    for person in (MENTOR, MENTEE):
        keep_answer(pair.db_url, "introduction", pair.handle.id, person.employee_id, received)

    # Past the deadline: the workflow asks the store and waits, not ending the pair.
    await pair.env.sleep(timedelta(hours=2, minutes=1))
    await waits_for_kept_answers(pair.handle)
    snap = await snapshot(pair.handle)
    assert snap.phase == "introduction" and snap.outcome is None

    # An answer received after the deadline (both mails went out before
    # ``received``, so it closed by ``received`` + 2 h) is still refused.
    with pytest.raises(WorkflowUpdateFailedError):
        await pair.handle.execute_update(
            MentorshipWorkflow.confirm_introduction,
            IntroductionAnswer(
                by=MENTOR.employee_id,
                accept=True,
                received_at=received + timedelta(hours=2, seconds=30),
            ),
        )
    for person in (MENTOR, MENTEE):
        await pair.handle.execute_update(
            MentorshipWorkflow.confirm_introduction,
            IntroductionAnswer(by=person.employee_id, accept=True, received_at=received),
        )
    await pair.skip_until(lambda s: s.phase == "goals")


async def test_goals_proposed_before_the_deadline_stand_when_delivered_after_it(
    pair: Pair,
) -> None:
    await introduce(pair.handle)
    await pair.skip_until(lambda s: s.phase == "goals")
    await pair.smtp.recorder.wait_for(
        lambda m: MENTEE.email in str(m["To"]) and "/l/goals/" in m.get_body().get_content()
    )
    received = await pair.env.get_current_time()
    keep_answer(pair.db_url, "goals", pair.handle.id, MENTEE.employee_id, received)

    await pair.env.sleep(timedelta(hours=2, minutes=1))
    await waits_for_kept_answers(pair.handle)
    assert (await snapshot(pair.handle)).phase == "goals"
    await pair.handle.execute_update(
        MentorshipWorkflow.propose_goals,
        GoalProposal(by=MENTEE.employee_id, goals=goals_for(), received_at=received),
    )
    # The mentor had no time left to object: the proposal stands, as it would have.
    snap = await pair.skip_until(lambda s: s.phase == "checkins")
    assert [g.title for g in snap.goals] == [g.title for g in goals_for()]
    [agreed] = events(pair.db_url, pair.handle.id, "goals_agreed")
    assert agreed["by_default"] is True
    assert events(pair.db_url, pair.handle.id, "goals_missing") == []


async def test_a_final_survey_answer_kept_in_its_window_counts_before_graduation(
    pair: Pair,
) -> None:
    await introduce(pair.handle)
    await agree_goals(pair.handle)

    def final(snap: MentorshipSnapshot):  # type: ignore[no-untyped-def]
        return next((s for s in snap.surveys if s.kind == SurveyKind.FINAL), None)

    snap = await pair.skip_until(lambda s: (f := final(s)) is not None and f.closes is not None)
    closes = final(snap).closes  # type: ignore[union-attr]
    await pair.smtp.recorder.wait_for(
        lambda m: MENTEE.email in str(m["To"]) and "wrapping up" in str(m["Subject"])
    )
    received = await pair.env.get_current_time()
    jti = keep_answer(pair.db_url, "survey", pair.handle.id, MENTEE.employee_id, received)

    await pair.env.sleep(closes - received + timedelta(minutes=1))
    await waits_for_kept_answers(pair.handle)
    assert (await snapshot(pair.handle)).outcome is None
    await pair.handle.execute_update(
        MentorshipWorkflow.answer_survey,
        SurveyAnswer(
            by=MENTEE.employee_id,
            kind=SurveyKind.FINAL,
            rating=5,
            goals_achieved=1,
            would_mentor=WouldMentor.YES,
            received_at=received,
        ),
    )
    mark_delivered(pair.db_url, jti)
    # Nothing else is kept (the mentor did not answer): the pair graduates.
    snap = await pair.skip_until(lambda s: s.outcome is not None)
    assert snap.outcome == "graduated"
    assert ("final", MENTEE.employee_id, 5) in survey_answers(pair.db_url, pair.handle.id)
