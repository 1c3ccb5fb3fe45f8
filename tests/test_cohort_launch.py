"""``cohort launch`` says "launched" only for a cohort that runs: a program
that passes the schema but cannot run is refused before the start, or stopped
and withdrawn after it, with the reason (dev server, the real command)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from mentorflow.cohorts.launch import LaunchRefused, prepare_launch
from mentorflow.cohorts.models import CohortSnapshot
from mentorflow.program import load_program
from mentorflow.store.schema import Cohort
from tests.conftest import SmtpServer
from tests.support.cli import cli_environ, cli_with_worker, mentorflow
from tests.support.pairs import settings_for, worker_for
from workflows.mentorship import MentorshipWorkflow

PROGRAM = """\
name: Launch test
program_manager_email: hr@example.com
cadence: PT20S
duration: PT2M
checkin_window: PT10S
applications_window: PT10M
"""


def program_file(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "program.yaml"
    path.write_text(PROGRAM + extra)
    return path


def cohort_rows(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(select(Cohort.name)))
    finally:
        engine.dispose()


def test_a_timeline_past_the_calendar_is_refused_before_the_start(tmp_path: Path) -> None:
    program = load_program(program_file(tmp_path))
    # Every duration is bounded, so only a clock near the year 9999 gets here.
    with pytest.raises(LaunchRefused, match="past the year 9999"):
        prepare_launch(program, "late", None, datetime(9999, 6, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("closes_in", "expected"),
    [("P99999999D", "at most P260W"), ("30", "not an ISO 8601 duration"), ("P1Y", "months")],
)
def test_applications_closing_at_a_time_a_program_cannot_mean_are_refused(
    tmp_path: Path, closes_in: str, expected: str
) -> None:
    program = load_program(program_file(tmp_path))
    with pytest.raises(LaunchRefused, match=expected):
        prepare_launch(program, "c", closes_in, datetime.now(UTC))


async def test_a_year_long_duration_launches_and_runs(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    """A duration of a year or more used to be written as ``P1Y35D``, which the
    program's own validator refuses: the check passed, the launch said
    "launched", and the cohort workflow could not read its input."""
    path = program_file(tmp_path, "alumni:\n  ask_again_after: P400D\n")
    cohort = f"year-{task_queue[-8:]}"
    async with cli_with_worker(dev_env, smtp_server.port, sqlite_url, task_queue, tmp_path) as cli:
        code, out = await cli("cohort", "launch", str(path), "--name", cohort)
        assert code == 0, out
        handle = dev_env.client.get_workflow_handle(f"cohort:{cohort}")
        snap = await handle.query("status", result_type=CohortSnapshot)
        assert snap.status.value == "open"
        await handle.terminate("test over")


async def test_a_launch_no_worker_runs_is_stopped_and_withdrawn(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    environ = cli_environ(dev_env, task_queue, sqlite_url, tmp_path)
    path = program_file(tmp_path)
    cohort = f"idle-{task_queue[-8:]}"
    launch = ("cohort", "launch", str(path), "--name", cohort, "--confirm-within", "2")

    code, out = await mentorflow(environ, *launch)
    assert code == 1, out
    assert "did not start" in out and "no worker ran the cohort workflow within 2 s" in out
    assert "launched:" not in out
    description = await dev_env.client.get_workflow_handle(f"cohort:{cohort}").describe()
    assert description.status == WorkflowExecutionStatus.TERMINATED
    assert cohort not in cohort_rows(sqlite_url)

    # Once a worker runs, the same name launches.
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(dev_env.client, settings, task_queue):
        code, out = await mentorflow(environ, *launch[:-1], "30")
        assert code == 0, out
        assert "applications are open" in out
        await dev_env.client.get_workflow_handle(f"cohort:{cohort}").terminate("test over")


async def test_a_launch_whose_first_task_fails_says_why(
    dev_env: WorkflowEnvironment, sqlite_url: str, task_queue: str, tmp_path: Path
) -> None:
    """A worker of the wrong build (without the cohort workflow) fails the
    first task again and again: the launch reports that failure."""
    environ = cli_environ(dev_env, task_queue, sqlite_url, tmp_path)
    cohort = f"broken-{task_queue[-8:]}"
    async with Worker(dev_env.client, task_queue=task_queue, workflows=[MentorshipWorkflow]):
        code, out = await mentorflow(
            environ, "cohort", "launch", str(program_file(tmp_path)), "--name", cohort
        )
    assert code == 1, out
    assert "the cohort workflow's first task failed" in out
    assert "CohortWorkflow" in out and "not registered" in out
    description = await dev_env.client.get_workflow_handle(f"cohort:{cohort}").describe()
    assert description.status == WorkflowExecutionStatus.TERMINATED
    assert cohort not in cohort_rows(sqlite_url)
