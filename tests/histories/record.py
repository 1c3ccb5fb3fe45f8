"""Record the histories that ``tests/test_replay.py`` replays.

Run after a deliberate, patched change to MentorshipWorkflow, never to make a
failing replay pass: ``.venv/bin/python -m tests.histories.record``. Each
history is one lifecycle branch, played with the real activities against the
time-skipping server, a throwaway SMTP server and a throwaway SQLite store.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from temporalio.client import WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import (
    CheckInAnswer,
    EndRequest,
    GoalReview,
    MeetingStatus,
    PauseRequest,
    ResumeRequest,
)
from mentorflow.store.db import upgrade
from mentorflow.temporal_bins import time_skipping_server_path
from tests.conftest import SmtpRecorder, free_port
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


SCENARIOS: dict[str, Callable[[WorkflowEnvironment, WorkflowHandle], Awaitable[None]]] = {
    "mentorship_graduated": graduated,
    "mentorship_paused_then_ended": paused_then_ended,
    "mentorship_not_started": not_started,
}


async def main() -> None:
    port = free_port()
    smtp = Controller(SmtpRecorder(), hostname="127.0.0.1", port=port)
    smtp.start()
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(time_skipping_server_path()),
    )
    try:
        for name, scenario in SCENARIOS.items():
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/store.db"
                upgrade(url)
                settings = settings_for(Path(tmp), url, port)
                async with worker_for(env.client, settings, f"record-{name}"):
                    handle = await start_pair(env.client, f"record-{name}", PROGRAM, cohort=name)
                    await scenario(env, handle)
                    await env.client.get_workflow_handle(handle.id).result()
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
    asyncio.run(main())
