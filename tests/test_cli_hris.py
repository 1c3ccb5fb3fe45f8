"""``mentorflow hris sync | history | schedule`` against the dev server, the
way HR runs them: a sync from an export, a refused one, the history, and the
recurring schedule the worker keeps up to date."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from temporalio.client import ScheduleActionStartWorkflow
from temporalio.testing import WorkflowEnvironment

from mentorflow.hris.models import SCHEDULE_ID
from tests.conftest import SmtpServer
from tests.support.cli import cli_with_worker, mentorflow
from tests.support.hris import ORGANISATION, changed, export, without


async def test_hr_syncs_the_directory_from_the_command_line(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    today = export(tmp_path / "today.csv", ORGANISATION)
    async with cli_with_worker(dev_env, smtp_server.port, sqlite_url, task_queue, tmp_path) as cli:
        code, out = await cli("hris", "sync", "--csv", str(today))
        assert code == 0, out
        assert "joiners" in out and " 12 " in out

        moved = export(
            tmp_path / "moved.csv", changed(without(ORGANISATION, "F1"), "F2", level="L5")
        )
        code, out = await cli("hris", "sync", "--csv", str(moved), "--json")
        assert code == 0, out
        assert '"movers": 1' in out and '"leaving": 1' in out

        gone = export(tmp_path / "gone.csv", without(ORGANISATION, "F2", "F3", "F4"))
        code, out = await cli("hris", "sync", "--csv", str(gone))
        assert code == 1
        assert "sync refused" in out and "--accept-leavers 3" in out

        code, out = await cli("hris", "sync", "--csv", str(tmp_path / "nope.csv"))
        assert code == 1 and "no such file" in out

    # No worker polls any more: the command says so instead of hanging.
    code, out = await cli("hris", "sync", "--csv", str(today), "--wait", "2")
    assert code == 2 and "has not finished within 2 s" in out and task_queue in out

    code, out = await cli("hris", "history")
    assert code == 0, out
    rows = [line.split("│") for line in out.splitlines() if line.count("│") > 4]
    statuses = [cells[3].strip() for cells in rows if cells[3].strip()]
    assert statuses == ["refused", "applied", "applied"]


async def test_the_recurring_sync_is_scheduled_and_follows_the_settings(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    environ |= {
        "MENTORFLOW_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "MENTORFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    code, out = await mentorflow(environ, "hris", "schedule")
    assert code == 1 and "no HRIS is configured" in out

    environ |= {"MENTORFLOW_HRIS_CSV_PATH": str(tmp_path / "hris.csv")}
    handle = dev_env.client.get_schedule_handle(SCHEDULE_ID)
    try:
        code, out = await mentorflow(environ, "hris", "schedule")
        assert code == 0 and "created" in out
        code, out = await mentorflow(
            environ | {"MENTORFLOW_HRIS_SYNC_INTERVAL": "PT15M"}, "hris", "schedule"
        )
        assert code == 0 and "updated" in out and "0:15:00" in out
        described = await handle.describe()
        assert described.schedule.spec.intervals[0].every == timedelta(minutes=15)
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.workflow == "HrisSyncWorkflow" and action.id == SCHEDULE_ID
    finally:
        await handle.delete()
