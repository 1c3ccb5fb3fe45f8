"""HR acts on one running pair from the command line, on the dev server."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.cli.mentorship import render_snapshot
from mentorflow.consoles import stdout_console
from mentorflow.hr.mentorships import stored_checkins
from mentorflow.models import MentorshipSnapshot, Outcome, Phase
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import SmtpServer
from tests.support.answers import ADA, BLOCKED, COHORT, GRACE, OPEN_BLOCKER, cohort_with_answers
from tests.support.cli import mentorflow as run_cli
from tests.support.pairs import (
    MENTEE,
    SIX_MONTHS_BIWEEKLY,
    eventually,
    settings_for,
    start_pair,
    worker_for,
)


async def mentorflow(env: WorkflowEnvironment, tmp_path: Path, *args: str) -> tuple[int, str]:
    """HR's mentorship commands, which need only Temporal."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    environ |= {
        "MENTORFLOW_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "MENTORFLOW_VAR_DIR": str(tmp_path / "cli-var"),
    }
    return await run_cli(environ, *args)


@pytest.fixture
async def pair(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> WorkflowHandle:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(dev_env.client, settings, task_queue):
        handle = await start_pair(dev_env.client, task_queue, SIX_MONTHS_BIWEEKLY, task_queue)
        await smtp_server.recorder.wait_for(lambda m: MENTEE.email in str(m["To"]))
        yield handle


async def test_hr_shows_pauses_resumes_and_ends_a_mentorship(
    dev_env: WorkflowEnvironment, pair: WorkflowHandle, tmp_path: Path
) -> None:
    code, out = await mentorflow(dev_env, tmp_path, "mentorship", "show", pair.id)
    assert code == 0, out
    assert "Maria Jansen (mentor) & Eli Okafor (mentee)" in out and "introduction" in out

    code, out = await mentorflow(
        dev_env, tmp_path, "mentorship", "pause", pair.id, "--reason", "Reorganisation"
    )
    assert code == 0, out
    assert (await eventually(pair, lambda s: s.paused)).paused
    code, out = await mentorflow(dev_env, tmp_path, "mentorship", "pause", pair.id)
    assert code == 1 and "already paused" in out

    code, out = await mentorflow(dev_env, tmp_path, "mentorship", "resume", pair.id)
    assert code == 0, out
    code, out = await mentorflow(
        dev_env, tmp_path, "mentorship", "end", pair.id, "--reason", "Program closed"
    )
    assert code == 0, out
    result = await asyncio.wait_for(pair.result(), timeout=30)
    assert result.outcome == Outcome.ENDED_EARLY and result.reason == "Program closed"


async def test_an_unknown_mentorship_is_a_clear_error(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    code, out = await mentorflow(dev_env, tmp_path, "mentorship", "show", "mentorship:x:y:z")
    assert code == 1
    assert "no mentorship 'mentorship:x:y:z'" in out


def test_show_lists_what_each_checkin_named(db_url: str, tmp_path: Path) -> None:
    """The introductions, upcoming decisions and blockers come from the store,
    per check-in and person, next to where the workflow says the pair is."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        cohort_with_answers(session)
    snap = MentorshipSnapshot(
        mentorship_id=BLOCKED,
        cohort=COHORT,
        phase=Phase.CHECKINS,
        paused=False,
        mentor=ADA,
        mentee=GRACE,
        confirmed=[ADA.employee_id, GRACE.employee_id],
        goals=[],
        goals_proposed=True,
        checkins=[],
        checkins_held=2,
        checkins_missed=0,
        missed_streak=0,
        at_risk=False,
        surveys=[],
        next_event_at=None,
    )
    out = io.StringIO()
    try:
        stdout_console(file=out).print(render_snapshot(snap, stored_checkins(sessions, BLOCKED)))
    finally:
        engine.dispose()
    lines = out.getvalue().splitlines()
    first = lines.index(next(line for line in lines if "check-in 1" in line))
    second = lines.index(next(line for line in lines if "check-in 2" in line))
    assert (
        "Grace Hopper: met yes, value 4; introductions: Met Priya from Platform; " in (lines[first])
    )
    assert "blockers: No access to the staging cluster" in lines[first]
    assert "Ada Lovelace: met yes, value 4; decisions: Whether Grace applies" in lines[first + 1]
    assert f"Grace Hopper: met yes, value 4; blockers: {OPEN_BLOCKER}" in lines[second]
    assert "introductions: Introduced Grace to the CTO" in lines[second + 1]
