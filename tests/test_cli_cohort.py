"""HR's whole job from the command line, against the dev server: import the
directory, launch a cohort, import applications, close early, review the
proposal, approve, watch the pairs start, read the report."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SmtpServer
from tests.support.pairs import settings_for, worker_for

MENTORFLOW = Path(sys.executable).parent / "mentorflow"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


async def mentorflow(environ: dict[str, str], *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(MENTORFLOW),
        *args,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output.decode()


def cli_environ(
    dev_env: WorkflowEnvironment, task_queue: str, database_url: str, tmp_path: Path
) -> dict[str, str]:
    """The command's environment: this test's Temporal, task queue and store only."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    return environ | {
        "MENTORFLOW_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "MENTORFLOW_TEMPORAL_TASK_QUEUE": task_queue,
        "MENTORFLOW_DATABASE_URL": database_url,
        "MENTORFLOW_VAR_DIR": str(tmp_path / "var"),
        "COLUMNS": "200",
    }


@pytest.fixture
def program_without_manager_approval(tmp_path: Path) -> Path:
    """The example program, minus the managers' approval (nobody answers it here)."""
    text = (EXAMPLES / "program.yaml").read_text()
    path = tmp_path / "program.yaml"
    path.write_text(text.replace("required: true", "required: false"))
    return path


async def test_hr_runs_a_cohort_from_the_command_line(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
    program_without_manager_approval: Path,
) -> None:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    environ = cli_environ(dev_env, task_queue, sqlite_url, tmp_path)
    cohort = f"cli-{task_queue[-8:]}"
    async with worker_for(
        dev_env.client, settings.model_copy(update={"temporal_task_queue": task_queue}), task_queue
    ):
        code, out = await mentorflow(
            environ, "directory", "import", str(EXAMPLES / "directory.csv")
        )
        assert code == 0, out
        code, out = await mentorflow(
            environ, "cohort", "launch", str(program_without_manager_approval), "--name", cohort
        )
        assert code == 0, out
        assert "applications are open" in out
        code, out = await mentorflow(
            environ, "cohort", "applications", "import", cohort, str(EXAMPLES / "applications.csv")
        )
        assert "submitted" in out.lower(), out
        code, out = await mentorflow(environ, "cohort", "approve", cohort)
        assert code == 1 and "no proposal" in out.lower()  # still open

        await asyncio.sleep(3)  # the applications reach the pool (eligibility checks)
        code, out = await mentorflow(environ, "cohort", "close", cohort)
        assert code == 0, out
        for _ in range(60):
            code, out = await mentorflow(environ, "cohort", "status", cohort, "--json")
            status = json.loads(out)
            if status["status"] == "review":
                break
            await asyncio.sleep(0.5)
        assert status["status"] == "review", status
        matched = status["proposal"]["matched"]
        assert matched > 0 and status["proposal_pairs"]["pairs"]
        code, out = await mentorflow(environ, "cohort", "status", cohort)
        assert "Proposed pairs" in out

        code, out = await mentorflow(environ, "cohort", "approve", cohort)
        assert code == 0 and f"{matched} pairs" in out, out
        for _ in range(60):
            status = json.loads(
                (await mentorflow(environ, "cohort", "status", cohort, "--json"))[1]
            )
            if status["pairs_started"] == matched:
                break
            await asyncio.sleep(0.5)
        assert status["status"] == "running" and status["pairs_started"] == matched

        code, out = await mentorflow(environ, "report", cohort, "--format", "json")
        assert code == 0, out
        report = json.loads(out)
        assert report["pairs"] == matched and report["mentees_matched"] == matched
        code, out = await mentorflow(
            environ, "report", cohort, "--format", "html", "-o", str(tmp_path / "r.html")
        )
        assert code == 0 and "<svg" in (tmp_path / "r.html").read_text()
        # The pairs run for months: end them so the shared dev server stays quiet.
        handle = dev_env.client.get_workflow_handle(f"cohort:{cohort}")
        await handle.terminate("test over")
