"""MentorshipWorkflow on the time-skipping server, with the real activities:
mail to a real SMTP server (aiosmtpd) and the store on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import (
    AlumniPromise,
    CheckInAnswer,
    EndRequest,
    GoalProposal,
    GoalReview,
    IntroductionAnswer,
    MeetingStatus,
    Outcome,
    ParticipantLeft,
    PauseRequest,
    ProgramSettings,
    ResumeRequest,
)
from mentorflow.store.db import make_engine
from mentorflow.store.schema import (
    CheckIn,
    HrNotice,
    Mentorship,
    OutboxMessage,
    SurveyResponse,
)
from tests.conftest import SmtpServer
from tests.support.pairs import (
    MENTEE,
    MENTOR,
    PM,
    SIX_MONTHS_BIWEEKLY,
    Driver,
    agree_goals,
    eventually,
    goals_for,
    introduce,
    settings_for,
    snapshot,
    start_pair,
    worker_for,
)
from workflows.mentorship import MentorshipWorkflow


async def rejection(handle: WorkflowHandle, update: Any, arg: Any) -> str:
    """The validator's message for an update that must be rejected."""
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await handle.execute_update(update, arg)
    return str(failed.value.cause.message)


@dataclass
class Lab:
    env: WorkflowEnvironment
    smtp: SmtpServer
    db_url: str
    task_queue: str

    async def start(
        self, program: ProgramSettings = SIX_MONTHS_BIWEEKLY, alumni: AlumniPromise | None = None
    ) -> WorkflowHandle:
        return await start_pair(self.env.client, self.task_queue, program, alumni=alumni)

    def subjects_to(self, address: str) -> list[str]:
        return [str(m["Subject"]) for m in self.smtp.recorder.to(address)]

    def rows(self, model: type) -> list:
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(select(model)).all())
        finally:
            engine.dispose()


@pytest.fixture
async def lab(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Lab]:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(time_skipping_env.client, settings, task_queue):
        yield Lab(time_skipping_env, smtp_server, sqlite_url, task_queue)


async def test_six_month_biweekly_mentorship_graduates(lab: Lab) -> None:
    handle = await lab.start(alumni=AlumniPromise())
    intro = await lab.smtp.recorder.wait_for(lambda m: MENTEE.email in str(m["To"]))
    assert "/l/introduction/" in intro.get_body(("plain",)).get_content()
    await introduce(handle)
    await agree_goals(handle)

    driver = Driver(lab.env, handle)
    final = await driver.run()
    result = await handle.result()

    assert final.outcome == Outcome.GRADUATED
    assert result.outcome == Outcome.GRADUATED
    planned = 13  # 182 days / 14
    assert result.checkins_held == planned
    assert result.checkins_missed == 0
    assert result.milestones_done == 1 and result.milestones_total == 3
    assert result.mean_value is not None and 4 <= result.mean_value <= 5
    assert driver.survey_answers == 4  # mid-point and final, both sides
    # Mail: every check-in to both, no at-risk alert, a graduation for each.
    checkin_mails = [s for s in lab.subjects_to(MENTEE.email) if "heck-in" in s]
    assert len([s for s in checkin_mails if "eminder" not in s]) >= planned
    assert not lab.smtp.recorder.to(PM)
    graduation = await lab.smtp.recorder.wait_for(
        lambda m: MENTOR.email in str(m["To"]) and "is complete" in str(m["Subject"])
    )
    assert "13" in graduation.get_body(("plain",)).get_content()
    # Both are invited to mentor when the cohort closes (the mentor for having
    # mentored, the mentee for saying yes), and their email says so.
    for person in (MENTOR, MENTEE):
        (farewell,) = [
            m for m in lab.smtp.recorder.to(person.email) if "is complete" in str(m["Subject"])
        ]
        text = " ".join(farewell.get_body(("plain",)).get_content().split())
        assert "When this cohort closes we will invite you to mentor" in text
    # The store has the whole story.
    (mentorship,) = lab.rows(Mentorship)
    assert mentorship.outcome == "graduated"
    checkins = lab.rows(CheckIn)
    assert len(checkins) == planned and {c.outcome for c in checkins} == {"held"}
    assert len(lab.rows(SurveyResponse)) == 4
    keys = [row.idempotency_key for row in lab.rows(OutboxMessage)]
    assert len(keys) == len(set(keys)) == len(lab.smtp.recorder.messages)


async def test_checkins_go_out_at_nine_local_time_for_each_participant(lab: Lab) -> None:
    handle = await lab.start()
    await introduce(handle)
    await agree_goals(handle)
    snap = await eventually(handle, lambda s: bool(s.checkins))
    first = snap.checkins[0]
    berlin = first.opens[MENTOR.employee_id].astimezone(ZoneInfo(MENTOR.timezone))
    new_york = first.opens[MENTEE.employee_id].astimezone(ZoneInfo(MENTEE.timezone))
    assert (berlin.hour, berlin.minute) == (9, 0)
    assert (new_york.hour, new_york.minute) == (9, 0)
    assert first.opens[MENTOR.employee_id] != first.opens[MENTEE.employee_id]
    # The email recalls the goals and the milestones coming due.
    now = await lab.env.get_current_time()
    await lab.env.sleep(first.opens[MENTEE.employee_id] - now + timedelta(seconds=1))
    mail = await lab.smtp.recorder.wait_for(
        lambda m: MENTEE.email in str(m["To"]) and "Check-in 1:" in str(m["Subject"])
    )
    text = mail.get_body(("plain",)).get_content()
    assert "Lead a design review" in text and "/l/checkin/" in text


async def test_introduction_times_out_after_one_reminder(lab: Lab) -> None:
    handle = await lab.start()
    await handle.execute_update(
        MentorshipWorkflow.confirm_introduction,
        IntroductionAnswer(by=MENTOR.employee_id, accept=True),
    )
    result = await handle.result()  # the server skips the seven days
    assert result.outcome == Outcome.NOT_STARTED
    mentee_subjects = lab.subjects_to(MENTEE.email)
    assert sum("eminder" in s for s in mentee_subjects) == 1
    assert sum("eminder" in s for s in lab.subjects_to(MENTOR.email)) == 0  # already confirmed
    # HR hears that the pair did not start in the day's digest, not at once.
    assert [(n.kind, n.mentorship_id) for n in lab.rows(HrNotice)] == [("not_started", handle.id)]
    assert not lab.smtp.recorder.to(PM)


async def test_declined_introduction_ends_kindly(lab: Lab) -> None:
    handle = await lab.start()
    await handle.execute_update(
        MentorshipWorkflow.confirm_introduction,
        IntroductionAnswer(by=MENTOR.employee_id, accept=False, reason="Moving to another site"),
    )
    result = await handle.result()
    assert result.outcome == Outcome.DECLINED
    mentee_note = await lab.smtp.recorder.wait_for(
        lambda m: (
            MENTEE.email in str(m["To"])
            and "reminder" not in str(m["Subject"]).lower()
            and "/l/introduction/" not in m.get_body(("plain",)).get_content()
        )
    )
    assert "Moving to another site" not in mentee_note.get_body(("plain",)).get_content()
    # HR reads the plain reason in the day's digest.
    (notice,) = lab.rows(HrNotice)
    assert notice.kind == "declined" and notice.detail["reason"] == "Moving to another site"
    assert notice.mentor_id == MENTOR.employee_id and notice.digested_at is None
    assert not lab.smtp.recorder.to(PM)


async def test_declining_needs_a_reason(lab: Lab) -> None:
    handle = await lab.start()
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            MentorshipWorkflow.confirm_introduction,
            IntroductionAnswer(by=MENTOR.employee_id, accept=False),
        )
    assert (await snapshot(handle)).outcome is None


async def test_goal_changes_round_trip_and_deadline_adopts_the_last_proposal(lab: Lab) -> None:
    handle = await lab.start()
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")
    goals = goals_for()
    await handle.execute_update(
        MentorshipWorkflow.propose_goals, GoalProposal(by=MENTEE.employee_id, goals=goals)
    )
    await lab.smtp.recorder.wait_for(
        lambda m: (
            MENTOR.email in str(m["To"]) and "/l/review/" in m.get_body(("plain",)).get_content()
        )
    )
    await handle.execute_update(
        MentorshipWorkflow.review_goals,
        GoalReview(by=MENTOR.employee_id, agree=False, comment="Make the second goal measurable"),
    )
    request = await lab.smtp.recorder.wait_for(
        lambda m: (
            MENTEE.email in str(m["To"])
            and "Make the second goal measurable" in m.get_body(("plain",)).get_content()
        )
    )
    assert "/l/goals/" in request.get_body(("plain",)).get_content()
    snap = await snapshot(handle)
    assert snap.goals_feedback == "Make the second goal measurable"
    assert [g.title for g in snap.goals] == [g.title for g in goals]  # prefill for the revision
    await handle.execute_update(
        MentorshipWorkflow.propose_goals, GoalProposal(by=MENTEE.employee_id, goals=goals[:1])
    )
    # The mentor never answers: at the deadline the proposal stands.
    await lab.env.sleep(timedelta(days=15))
    snap = await eventually(handle, lambda s: s.phase == "checkins")
    assert [g.title for g in snap.goals] == [goals[0].title]
    reminders = [s for s in lab.subjects_to(MENTOR.email) if "eminder" in s]
    assert len(reminders) <= 1


async def test_missing_goals_do_not_stop_the_checkins(lab: Lab) -> None:
    handle = await lab.start()
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")
    await lab.env.sleep(timedelta(days=15))
    await eventually(handle, lambda s: s.phase == "checkins")
    assert any("eminder" in s for s in lab.subjects_to(MENTEE.email))


async def test_missed_checkins_alert_the_program_manager_once_per_streak(lab: Lab) -> None:
    handle = await lab.start()
    await introduce(handle)
    await agree_goals(handle)

    def sometimes(number: int, person):  # type: ignore[no-untyped-def]
        # Nobody answers check-ins 2 and 3; then they are back on track.
        if number in (2, 3):
            return None
        return CheckInAnswer(by=person.employee_id, number=number, met=MeetingStatus.YES, value=3)

    seen_at_risk = []

    async def watch(snap) -> None:  # type: ignore[no-untyped-def]
        seen_at_risk.append(snap.at_risk)

    result = await Driver(lab.env, handle, checkin=sometimes, on_snapshot=watch).run()
    assert result.outcome == Outcome.GRADUATED
    assert any(seen_at_risk), "the pair was at risk while check-ins were missed"
    alerts = [m for m in lab.smtp.recorder.to(PM)]
    assert len(alerts) == 1
    body = alerts[0].get_body(("plain",)).get_content()
    assert MENTOR.name in body and MENTEE.name in body
    final = await handle.result()
    assert final.checkins_missed == 2 and final.checkins_held == 11


async def test_not_met_answers_count_towards_the_streak(lab: Lab) -> None:
    program = SIX_MONTHS_BIWEEKLY.model_copy(update={"at_risk_streak": 1})
    handle = await lab.start(program)
    await introduce(handle)
    await agree_goals(handle)

    def declined_meeting(number: int, person):  # type: ignore[no-untyped-def]
        met = MeetingStatus.NO if number == 1 else MeetingStatus.RESCHEDULED
        return CheckInAnswer(by=person.employee_id, number=number, met=met)

    result = await Driver(lab.env, handle, checkin=declined_meeting).run()
    assert result.outcome == Outcome.GRADUATED
    assert len(lab.smtp.recorder.to(PM)) == 1  # rescheduled ones neither alert nor reset
    assert (await handle.result()).checkins_held == 0


async def test_pause_pushes_every_later_date_back(lab: Lab) -> None:
    handle = await lab.start()
    await introduce(handle)
    await agree_goals(handle)
    before = await eventually(handle, lambda s: bool(s.checkins))
    planned_open = before.checkins[0].opens[MENTEE.employee_id]
    await handle.execute_update(
        MentorshipWorkflow.pause, PauseRequest(by=MENTEE.employee_id, reason="Parental leave")
    )
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(MentorshipWorkflow.pause, PauseRequest(by="hr"))
    snap = await snapshot(handle)
    assert snap.paused and snap.next_event_at is None
    await lab.env.sleep(timedelta(days=30))
    snap = await snapshot(handle)
    assert not snap.checkins[0].open_for, "no check-in goes out on leave"
    await handle.execute_update(MentorshipWorkflow.resume, ResumeRequest(by="hr"))
    snap = await eventually(handle, lambda s: not s.paused)
    assert snap.next_event_at is not None
    assert snap.next_event_at - planned_open >= timedelta(days=29)
    paused_mail = [s for s in lab.subjects_to(MENTOR.email) if "paus" in s.lower()]
    assert paused_mail
    result = await Driver(lab.env, handle).run()
    assert result.outcome == Outcome.GRADUATED


async def test_end_early_by_either_side_or_hr(lab: Lab) -> None:
    handle = await lab.start()
    await introduce(handle)
    await agree_goals(handle)
    with pytest.raises(WorkflowUpdateFailedError):
        await handle.execute_update(
            MentorshipWorkflow.end_early, EndRequest(by="E999", reason="not my pair")
        )
    await handle.execute_update(
        MentorshipWorkflow.end_early,
        EndRequest(by=MENTEE.employee_id, reason="Our schedules never line up"),
    )
    result = await handle.result()
    assert result.outcome == Outcome.ENDED_EARLY
    assert result.reason == "Our schedules never line up"
    note = await lab.smtp.recorder.wait_for(
        lambda m: (
            MENTOR.email in str(m["To"])
            and "Our schedules never line up" in m.get_body(("plain",)).get_content()
        )
    )
    assert MENTEE.name.split()[0] in note.get_body(("plain",)).get_content()
    (row,) = lab.rows(Mentorship)
    assert row.outcome == "ended_early" and row.outcome_reason == "Our schedules never line up"


async def test_participant_left_closes_the_pair_and_tells_the_partner(lab: Lab) -> None:
    handle = await lab.start()
    await introduce(handle)
    await agree_goals(handle)
    # The goals_agreed mail goes out after the phase changes: count it in.
    await lab.smtp.recorder.wait_for(
        lambda m: MENTOR.email in str(m["To"]) and "goals are agreed" in str(m["Subject"])
    )
    sent_to_mentor_before = len(lab.smtp.recorder.to(MENTOR.email))
    await handle.signal(MentorshipWorkflow.participant_left, ParticipantLeft(employee_id="E999"))
    await handle.signal(
        MentorshipWorkflow.participant_left, ParticipantLeft(employee_id=MENTOR.employee_id)
    )
    result = await handle.result()
    assert result.outcome == Outcome.PARTICIPANT_LEFT
    (notice,) = lab.rows(HrNotice)
    assert notice.kind == "participant_left" and notice.detail["ended_by"] == MENTOR.employee_id
    assert len(lab.smtp.recorder.to(MENTOR.email)) == sent_to_mentor_before
    kind_note = await lab.smtp.recorder.wait_for(
        lambda m: MENTEE.email in str(m["To"]) and "/l/" not in m.get_body(("plain",)).get_content()
    )
    assert MENTOR.name.split()[0] in kind_note.get_body(("plain",)).get_content()


async def test_answers_are_validated_before_they_enter_history(lab: Lab) -> None:
    handle = await lab.start()
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")
    by_mentor = GoalProposal(by=MENTOR.employee_id, goals=goals_for())
    assert "Only the mentee" in await rejection(handle, MentorshipWorkflow.propose_goals, by_mentor)
    nothing_to_review = GoalReview(by=MENTOR.employee_id, agree=True)
    assert "no proposal" in await rejection(
        handle, MentorshipWorkflow.review_goals, nothing_to_review
    )
    await agree_goals(handle)
    answer = CheckInAnswer(by=MENTEE.employee_id, number=1, met=MeetingStatus.YES)
    assert "not open" in await rejection(handle, MentorshipWorkflow.answer_checkin, answer)
    snap = await eventually(handle, lambda s: bool(s.checkins))
    now = await lab.env.get_current_time()
    opens = max(snap.checkins[0].opens.values())
    await lab.env.sleep(opens - now + timedelta(seconds=1))
    await eventually(handle, lambda s: len(s.checkins[0].open_for) == 2)
    outsider = answer.model_copy(update={"by": "E999"})
    assert "Only the mentor and mentee" in await rejection(
        handle, MentorshipWorkflow.answer_checkin, outsider
    )
    await handle.execute_update(MentorshipWorkflow.answer_checkin, answer)
    assert "already answered" in await rejection(handle, MentorshipWorkflow.answer_checkin, answer)
    bad_milestone = CheckInAnswer(
        by=MENTOR.employee_id, number=1, met=MeetingStatus.YES, milestone_progress={"7.0": "done"}
    )
    assert "Unknown milestone" in await rejection(
        handle, MentorshipWorkflow.answer_checkin, bad_milestone
    )
    # A closed window: skip past the check-in.
    await lab.env.sleep(timedelta(days=4))
    await eventually(handle, lambda s: s.checkins[0].outcome is not None)
    late = answer.model_copy(update={"by": MENTOR.employee_id})
    assert "not open" in await rejection(handle, MentorshipWorkflow.answer_checkin, late)
    # Rejected updates never reach history.
    history = await handle.fetch_history()
    accepted = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    names = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for e in accepted
    ]
    assert names.count("answer_checkin") == 1


async def test_long_mentorships_continue_as_new(lab: Lab) -> None:
    program = SIX_MONTHS_BIWEEKLY.model_copy(update={"max_checkins_per_run": 4})
    handle = await lab.start(program)
    await introduce(handle)
    await agree_goals(handle)
    first_run = (await handle.describe()).run_id
    # Follow the chain of runs: a handle without a run id always sees the latest.
    latest = lab.env.client.get_workflow_handle_for(MentorshipWorkflow.run, handle.id)
    driver = Driver(lab.env, latest)
    result_snapshot = await driver.run()
    assert result_snapshot.outcome == Outcome.GRADUATED
    result = await latest.result()
    assert result.checkins_held == 13
    assert (await latest.describe()).run_id != first_run
    assert result.mean_value is not None
