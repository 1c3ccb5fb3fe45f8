"""Record the histories that ``tests/test_replay.py`` replays.

Run after a deliberate, patched change to a workflow, never to make a failing
replay pass: ``.venv/bin/python -m tests.histories.record [SCENARIO ...]``. Each
history is one lifecycle branch, played with the real activities against the
time-skipping server, a throwaway SMTP server and a throwaway SQLite store.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from mentorflow import search_attributes
from mentorflow.alumni.models import AlumniInvitationInput, InvitationAnswer, InvitationReason
from mentorflow.applications.models import (
    ApplicationDetails,
    ApplicationInput,
    ManagerDecision,
    MatchNotice,
    PoolClosed,
)
from mentorflow.cohorts.models import CloseRequest, CohortInput, ReviewDecision
from mentorflow.cohorts.round_start import open_round
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus, RoundStatus, RoundTrigger
from mentorflow.directory import import_directory
from mentorflow.hris.models import HrisSyncInput
from mentorflow.models import (
    CheckInAnswer,
    EndRequest,
    GoalReview,
    IntroductionAnswer,
    MeetingStatus,
    PauseRequest,
    ResumeRequest,
    Role,
    WouldMentor,
)
from mentorflow.program import Intake, ManagerApproval, load_program
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade
from mentorflow.temporal_bins import time_skipping_server_path
from tests.conftest import SmtpRecorder, free_port
from tests.support.hris import ORGANISATION, changed, export, without
from tests.support.kept import keep_answer, mark_delivered, waits_for_kept_answers
from tests.support.pairs import (
    MENTEE,
    MENTOR,
    SIX_MONTHS_BIWEEKLY,
    Driver,
    agree_goals,
    eventually,
    goals_for,
    introduce,
    settings_for,
    start_pair,
    worker_for,
)
from tests.test_alumni_selection import (
    GRADUATED,
    add_cohort,
    add_directory,
    graduate,
    participant,
    program,
    transaction,
)
from tests.test_cohort_matching import COHORT, EXAMPLES, example_applications
from workflows.alumni import AlumniInvitationWorkflow
from workflows.application import ApplicationWorkflow
from workflows.cohort import CohortWorkflow
from workflows.hris_sync import HrisSyncWorkflow
from workflows.matching_round import MatchingRoundWorkflow
from workflows.mentorship import MentorshipWorkflow

HERE = Path(__file__).parent
# Short but complete: 4 monthly check-ins, one continue-as-new on the way.
PROGRAM = SIX_MONTHS_BIWEEKLY.model_copy(
    update={"cadence": "monthly", "duration": timedelta(days=112), "max_checkins_per_run": 3}
)


def sometimes_missed(number: int, person):  # type: ignore[no-untyped-def]
    if number == 2:
        return None
    met = MeetingStatus.RESCHEDULED if number == 3 else MeetingStatus.YES
    return CheckInAnswer(by=person.employee_id, number=number, met=met, value=4)


async def graduated(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    await introduce(handle)
    await eventually(handle, lambda s: s.phase == "goals")
    from mentorflow.models import GoalProposal

    await handle.execute_update(
        MentorshipWorkflow.propose_goals, GoalProposal(by=MENTEE.employee_id, goals=goals_for())
    )
    await handle.execute_update(
        MentorshipWorkflow.review_goals,
        GoalReview(by=MENTOR.employee_id, agree=False, comment="Add a date to goal two"),
    )
    await handle.execute_update(
        MentorshipWorkflow.propose_goals, GoalProposal(by=MENTEE.employee_id, goals=goals_for())
    )
    await handle.execute_update(
        MentorshipWorkflow.review_goals, GoalReview(by=MENTOR.employee_id, agree=True)
    )
    await Driver(env, handle, checkin=sometimes_missed).run()


async def paused_then_ended(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    await introduce(handle)
    await agree_goals(handle)
    await handle.execute_update(
        MentorshipWorkflow.pause, PauseRequest(by=MENTEE.employee_id, reason="Leave")
    )
    await env.sleep(timedelta(days=20))
    await handle.execute_update(MentorshipWorkflow.resume, ResumeRequest(by=MENTEE.employee_id))
    await handle.execute_update(
        MentorshipWorkflow.end_early, EndRequest(by="hr", reason="Reorganisation")
    )


async def not_started(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    await env.sleep(timedelta(days=8))


Scenario = Callable[[WorkflowEnvironment, str, str], Awaitable[WorkflowHandle]]


def pair(play: Callable[[WorkflowEnvironment, WorkflowHandle], Awaitable[None]]) -> Scenario:
    async def scenario(env: WorkflowEnvironment, url: str, task_queue: str) -> WorkflowHandle:
        handle = await start_pair(env.client, task_queue, PROGRAM, cohort=task_queue)
        await play(env, handle)
        return handle

    return scenario


def cohort_in_store(url: str, now: datetime, evergreen: bool = False) -> None:
    """The example organisation, program and approved applications (in an
    evergreen intake of the program when ``evergreen``)."""
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        import_directory(session, EXAMPLES / "directory.csv")
        program = load_program(EXAMPLES / "program.yaml")
        if evergreen:
            program = program.model_copy(update={"intake": Intake.EVERGREEN})
        cohorts.create_cohort(
            session, COHORT, program, opens_at=now, closes_at=now + timedelta(days=14)
        )
        for application in example_applications():
            cohorts.upsert_application(session, application)
            cohorts.set_application_status(
                session,
                COHORT,
                application.employee_id,
                application.role,
                ApplicationStatus.APPROVED,
            )
    engine.dispose()


async def application_approved_and_matched(
    env: WorkflowEnvironment, url: str, task_queue: str
) -> WorkflowHandle:
    cohort_in_store(url, await env.get_current_time())
    application = ApplicationInput(
        cohort=COHORT,
        employee_id="E012",
        manager_approval=ManagerApproval(required=True, timeout=timedelta(days=5)),
    )
    handle = await env.client.start_workflow(
        ApplicationWorkflow.run, application, id=application.workflow_id, task_queue=task_queue
    )
    await handle.execute_update(
        ApplicationWorkflow.submit, ApplicationDetails(roles=[Role.MENTEE], goals="Lead teams")
    )
    manager = None
    while manager is None:
        manager = (await handle.query(ApplicationWorkflow.status)).manager_id
        await asyncio.sleep(0.05)
    await eventually_status(handle, ApplicationStatus.AWAITING_MANAGER)
    await handle.execute_update(
        ApplicationWorkflow.manager_decision, ManagerDecision(by=manager, approve=True)
    )
    await eventually_status(handle, ApplicationStatus.APPROVED)
    await handle.signal(ApplicationWorkflow.match_notice, MatchNotice(matched=True))
    return handle


async def application_approved_after_matching(
    env: WorkflowEnvironment, url: str, task_queue: str
) -> WorkflowHandle:
    """The cohort's matching starts while the manager has not answered; their
    approval then ends the application, held for the next cohort."""
    cohort_in_store(url, await env.get_current_time())
    application = ApplicationInput(
        cohort=COHORT,
        employee_id="E012",
        manager_approval=ManagerApproval(required=True, timeout=timedelta(days=5)),
    )
    handle = await env.client.start_workflow(
        ApplicationWorkflow.run, application, id=application.workflow_id, task_queue=task_queue
    )
    await handle.execute_update(
        ApplicationWorkflow.submit, ApplicationDetails(roles=[Role.MENTEE], goals="Lead teams")
    )
    await eventually_status(handle, ApplicationStatus.AWAITING_MANAGER)
    manager = (await handle.query(ApplicationWorkflow.status)).manager_id
    assert manager is not None
    await handle.signal(ApplicationWorkflow.pool_closed, PoolClosed(cohort=COHORT))
    await handle.execute_update(
        ApplicationWorkflow.manager_decision, ManagerDecision(by=manager, approve=True)
    )
    return handle


async def eventually_status(handle: WorkflowHandle, status: ApplicationStatus) -> None:
    while (await handle.query(ApplicationWorkflow.status)).status != status:
        await asyncio.sleep(0.05)


async def cohort_reviewed_and_run(
    env: WorkflowEnvironment, url: str, task_queue: str
) -> WorkflowHandle:
    now = await env.get_current_time()
    cohort_in_store(url, now)
    launch = CohortInput(
        cohort=COHORT,
        program=load_program(EXAMPLES / "program.yaml"),
        opens_at=now,
        closes_at=now + timedelta(days=14),
        start_window=4,
        page_size=5,
    )
    handle = await env.client.start_workflow(
        CohortWorkflow.run, launch, id=launch.workflow_id, task_queue=task_queue
    )
    await handle.execute_update(CohortWorkflow.close_applications, CloseRequest())
    while (await handle.query(CohortWorkflow.status)).status != CohortStatus.REVIEW:
        await asyncio.sleep(0.05)
    await handle.execute_update(CohortWorkflow.review, ReviewDecision(rerun=True))
    while (await handle.query(CohortWorkflow.status)).status != CohortStatus.REVIEW:
        await asyncio.sleep(0.05)
    await handle.execute_update(CohortWorkflow.review, ReviewDecision())
    return handle


async def round_reviewed_and_started(
    env: WorkflowEnvironment, url: str, task_queue: str
) -> WorkflowHandle:
    """An evergreen intake's first round: re-run once, then approved."""
    now = await env.get_current_time()
    cohort_in_store(url, now, evergreen=True)
    engine = make_engine(url)
    try:
        opened = await open_round(
            env.client, make_sessionmaker(engine), task_queue, COHORT, RoundTrigger.HR, "hr"
        )
    finally:
        engine.dispose()
    run_id = (await env.client.get_workflow_handle(opened.workflow_id).describe()).run_id
    handle = WorkflowHandle(env.client, opened.workflow_id, run_id=run_id, result_run_id=run_id)
    for decision in (ReviewDecision(rerun=True), ReviewDecision()):
        while (await handle.query(MatchingRoundWorkflow.status)).status != RoundStatus.REVIEW:
            await asyncio.sleep(0.05)
        await handle.execute_update(MatchingRoundWorkflow.review, decision)
    return handle


async def intake_closed(env: WorkflowEnvironment, url: str, task_queue: str) -> WorkflowHandle:
    """An evergreen intake opened and closed by HR before any round."""
    now = await env.get_current_time()
    cohort_in_store(url, now, evergreen=True)
    program = load_program(EXAMPLES / "program.yaml").model_copy(
        update={"intake": Intake.EVERGREEN}
    )
    launch = CohortInput(
        cohort=COHORT, program=program, opens_at=now, closes_at=now + timedelta(days=14)
    )
    handle = await env.client.start_workflow(
        CohortWorkflow.run, launch, id=launch.workflow_id, task_queue=task_queue
    )
    await handle.execute_update(CohortWorkflow.close_applications, CloseRequest())
    return handle


async def alumni_reminded_then_accepted(
    env: WorkflowEnvironment, url: str, task_queue: str, answer: bool = True
) -> WorkflowHandle:
    """A graduate invited, reminded, then accepting into the open next cohort."""
    with transaction(url) as session:
        add_directory(session)
        add_cohort(session, GRADUATED, program())
        add_cohort(session, "2027-spring", program(), status=CohortStatus.OPEN)
        graduate(session, GRADUATED, "G1", would_mentor=WouldMentor.YES, mean_value=4.5)
        gil = participant(session, "G1")
    invitation = AlumniInvitationInput(
        employee_id="G1",
        cohort=GRADUATED,
        program_name="Engineering Mentoring",
        alumnus=gil,
        reasons=[InvitationReason.SAID_YES, InvitationReason.WENT_WELL],
        mean_value=4.5,
        default_capacity=2,
        expertise="Kubernetes",
    )
    handle = await env.client.start_workflow(
        AlumniInvitationWorkflow.run, invitation, id=invitation.workflow_id, task_queue=task_queue
    )
    await env.sleep(timedelta(days=8))
    while (await handle.query(AlumniInvitationWorkflow.status)).status != "reminded":
        await asyncio.sleep(0.05)
    if not answer:
        return handle
    await handle.execute_update(
        AlumniInvitationWorkflow.answer,
        InvitationAnswer(by="G1", accept=True, capacity=1, expertise="Kubernetes, SRE"),
    )
    return handle


# --------------------------------------------------------------------------- kept answers
# Answers the web app kept while no worker ran, delivered after their windows
# closed (patches answers-received-at, late-checkin-answer-reevaluates,
# manager-decision-received-at, alumni-answer-received-at).


async def mentorship_late_answers(
    env: WorkflowEnvironment, url: str, task_queue: str
) -> WorkflowHandle:
    """Both confirmations kept before the introduction's deadline and delivered
    after it; the first check-in missed, then re-evaluated by a late answer."""
    handle = await start_pair(env.client, task_queue, PROGRAM, cohort=task_queue)
    received = await env.get_current_time() + timedelta(hours=1)
    await env.sleep(timedelta(hours=2))
    for person in (MENTOR, MENTEE):
        keep_answer(url, "introduction", handle.id, person.employee_id, received)
    # A minute past the deadline: inside the workflow's wait for kept answers.
    await env.sleep(PROGRAM.introduction_timeout - timedelta(hours=2) + timedelta(minutes=1))
    await waits_for_kept_answers(handle)
    for person in (MENTOR, MENTEE):
        await handle.execute_update(
            MentorshipWorkflow.confirm_introduction,
            IntroductionAnswer(by=person.employee_id, accept=True, received_at=received),
        )
    await agree_goals(handle)
    late_sent = False

    async def answer_late(snap):  # type: ignore[no-untyped-def]
        nonlocal late_sent
        first = snap.checkins[0] if snap.checkins else None
        if late_sent or first is None or first.outcome is None:
            return
        late_sent = True
        await handle.execute_update(
            MentorshipWorkflow.answer_checkin,
            CheckInAnswer(
                by=MENTEE.employee_id,
                number=1,
                met=MeetingStatus.YES,
                value=5,
                received_at=first.opens[MENTEE.employee_id] + timedelta(hours=1),
            ),
        )

    def skip_first(number: int, person):  # type: ignore[no-untyped-def]
        return None if number == 1 else sometimes_missed(number, person)

    await Driver(env, handle, checkin=skip_first, on_snapshot=answer_late).run()
    return handle


async def application_approval_kept(
    env: WorkflowEnvironment, url: str, task_queue: str
) -> WorkflowHandle:
    """The manager's approval kept before the due date, delivered after it."""
    cohort_in_store(url, await env.get_current_time())
    application = ApplicationInput(
        cohort=COHORT,
        employee_id="E012",
        manager_approval=ManagerApproval(required=True, timeout=timedelta(days=5)),
    )
    handle = await env.client.start_workflow(
        ApplicationWorkflow.run, application, id=application.workflow_id, task_queue=task_queue
    )
    await handle.execute_update(
        ApplicationWorkflow.submit, ApplicationDetails(roles=[Role.MENTEE], goals="Lead teams")
    )
    await eventually_status(handle, ApplicationStatus.AWAITING_MANAGER)
    manager = (await handle.query(ApplicationWorkflow.status)).manager_id
    assert manager is not None
    received = await env.get_current_time() + timedelta(days=1)
    await env.sleep(timedelta(days=1, hours=1))
    jti = keep_answer(url, "approval", handle.id, manager, received)
    # A minute past the due date: inside the workflow's wait for kept answers.
    await env.sleep(timedelta(days=4) - timedelta(hours=1) + timedelta(minutes=1))
    await waits_for_kept_answers(handle)
    await handle.execute_update(
        ApplicationWorkflow.manager_decision,
        ManagerDecision(by=manager, approve=True, received_at=received),
    )
    mark_delivered(url, jti)
    await eventually_status(handle, ApplicationStatus.APPROVED)
    await handle.signal(ApplicationWorkflow.match_notice, MatchNotice(matched=True))
    return handle


async def alumni_acceptance_kept(
    env: WorkflowEnvironment, url: str, task_queue: str
) -> WorkflowHandle:
    """An acceptance kept before the invitation expired, delivered after it."""
    handle = await alumni_reminded_then_accepted(env, url, task_queue, answer=False)
    received = await env.get_current_time()
    jti = keep_answer(url, "alumni", handle.id, "G1", received)
    # A minute past the expiry (21 days, reminded after 8): inside the
    # workflow's wait for kept answers.
    await env.sleep(timedelta(days=13, minutes=1))
    await waits_for_kept_answers(handle)
    await handle.execute_update(
        AlumniInvitationWorkflow.answer,
        InvitationAnswer(by="G1", accept=True, capacity=1, received_at=received),
    )
    mark_delivered(url, jti)
    return handle


async def hris_sync_applied(env: WorkflowEnvironment, url: str, task_queue: str) -> WorkflowHandle:
    """A directory sync from a CSV export: one leaver, one new email address."""
    folder = Path(url.removeprefix("sqlite:///")).parent
    with transaction(url) as session:
        assert not import_directory(session, export(folder / "today.csv", ORGANISATION)).errors
    moved = changed(without(ORGANISATION, "F1"), "F2", email="f2.new@example.com")
    return await env.client.start_workflow(
        HrisSyncWorkflow.run,
        HrisSyncInput(csv_path=str(export(folder / "moved.csv", moved))),
        id="hris-sync-2026-11-25T10:00:00Z",
        task_queue=task_queue,
    )


SCENARIOS: dict[str, Scenario] = {
    "mentorship_graduated": pair(graduated),
    "mentorship_paused_then_ended": pair(paused_then_ended),
    "mentorship_not_started": pair(not_started),
    "application_approved_and_matched": application_approved_and_matched,
    "cohort_reviewed_and_run": cohort_reviewed_and_run,
    "application_approved_after_matching": application_approved_after_matching,
    # With the applications not yet in the pool told it closed ("close-application-pool").
    "cohort_pool_closed_reviewed_and_run": cohort_reviewed_and_run,
    # Pairs started by an activity, reporting back by signal ("pairs-report-back").
    "cohort_pairs_reported_back": cohort_reviewed_and_run,
    "alumni_reminded_then_accepted": alumni_reminded_then_accepted,
    "hris_sync_applied": hris_sync_applied,
    "mentorship_late_answers": mentorship_late_answers,
    "application_approval_kept": application_approval_kept,
    "alumni_acceptance_kept": alumni_acceptance_kept,
    "round_reviewed_and_started": round_reviewed_and_started,
    "intake_closed": intake_closed,
}


async def main(names: list[str]) -> None:
    port = free_port()
    smtp = Controller(SmtpRecorder(), hostname="127.0.0.1", port=port)
    smtp.start()
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(time_skipping_server_path()),
    )
    await search_attributes.register(env.client)
    try:
        for name in names or list(SCENARIOS):
            scenario = SCENARIOS[name]
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/store.db"
                upgrade(url)
                settings = settings_for(Path(tmp), url, port)
                async with worker_for(env.client, settings, f"record-{name}"):
                    handle = await scenario(env, url, f"record-{name}")
                    await handle.result()
                # Every run of the chain, so continue-as-new is replayed too.
                run_id: str | None = handle.result_run_id
                index = 0
                while run_id:
                    index += 1
                    history = await env.client.get_workflow_handle(
                        handle.id, run_id=run_id
                    ).fetch_history()
                    path = HERE / f"{name}.run{index}.json"
                    path.write_text(history.to_json())
                    print(f"wrote {path.name} ({len(history.events)} events)")
                    last = history.events[-1]
                    run_id = (
                        last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
                        if last.HasField("workflow_execution_continued_as_new_event_attributes")
                        else None
                    )
    finally:
        await env.shutdown()
        smtp.stop()


if __name__ == "__main__":
    # Names record only those scenarios: histories of released code stay as
    # they were, which is what replaying them is for.
    asyncio.run(main(sys.argv[1:]))
