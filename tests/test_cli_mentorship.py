"""HR acts on one running pair from the command line, on the dev server."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import Outcome
from tests.conftest import SmtpServer
from tests.support.pairs import (
    MENTEE,
    SIX_MONTHS_BIWEEKLY,
    eventually,
    settings_for,
    start_pair,
    worker_for,
)

MENTORFLOW = Path(sys.executable).parent / "mentorflow"


async def mentorflow(env: WorkflowEnvironment, tmp_path: Path, *args: str) -> tuple[int, str]:
    """Run the real console script (as a user would) without blocking the
    worker that must answer it."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    environ |= {
        "MENTORFLOW_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "MENTORFLOW_VAR_DIR": str(tmp_path / "cli-var"),
        "COLUMNS": "200",
    }
    process = await asyncio.create_subprocess_exec(
        str(MENTORFLOW),
        *args,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, output.decode()


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
