"""Running the real ``mentorflow`` console script in a test, as a user would:
against this test's Temporal server, task queue, store and var directory
only, with a worker of its own answering (``cli_with_worker``).

No ``COLUMNS``: output that is not a terminal is never wrapped
(``mentorflow.consoles``), and the tests rely on that."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from mentorflow.settings import Settings
from tests.support.pairs import settings_for, worker_for

MENTORFLOW = Path(sys.executable).parent / "mentorflow"


def cli_environ(
    env: WorkflowEnvironment, task_queue: str, database_url: str, tmp_path: Path
) -> dict[str, str]:
    """The command's environment: this test's Temporal, task queue and store only."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    return environ | {
        "MENTORFLOW_TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "MENTORFLOW_TEMPORAL_TASK_QUEUE": task_queue,
        "MENTORFLOW_DATABASE_URL": database_url,
        "MENTORFLOW_VAR_DIR": str(tmp_path / "var"),
    }


async def mentorflow(environ: dict[str, str], *args: str) -> tuple[int, str]:
    """Exit code and output (stdout and stderr together), without blocking the
    event loop the test's worker runs on."""
    process = await asyncio.create_subprocess_exec(
        str(MENTORFLOW),
        *args,
        env=environ,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output.decode()


@dataclass(frozen=True)
class Cli:
    """The command line of one test, and the settings its worker runs with."""

    environ: dict[str, str]
    settings: Settings

    async def __call__(self, *args: str) -> tuple[int, str]:
        return await mentorflow(self.environ, *args)


@asynccontextmanager
async def cli_with_worker(
    env: WorkflowEnvironment,
    smtp_port: int,
    database_url: str,
    task_queue: str,
    tmp_path: Path,
    **settings: Any,
) -> AsyncIterator[Cli]:
    """The command line, with a worker on the test's task queue; ``settings``
    override the worker's (an alert address, say)."""
    worker_settings = settings_for(tmp_path, database_url, smtp_port).model_copy(update=settings)
    async with worker_for(env.client, worker_settings, task_queue):
        yield Cli(cli_environ(env, task_queue, database_url, tmp_path), worker_settings)
