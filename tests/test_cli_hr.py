"""``mentorflow hr notices | digest`` against the dev server, the way HR runs
them: pairs that ended are listed (all, or one cohort's, as a table or JSON),
and the digest goes out once a day."""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from mentorflow.models import EndRequest
from tests.conftest import SmtpServer
from tests.support.cli import cli_with_worker
from tests.support.pairs import PM, SIX_MONTHS_BIWEEKLY, start_pair
from workflows.mentorship import MentorshipWorkflow


async def test_hr_lists_the_notices_and_sends_the_digest_now(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    async with cli_with_worker(dev_env, smtp_server.port, sqlite_url, task_queue, tmp_path) as cli:
        code, out = await cli("hr", "notices")
        assert code == 0 and "no notices" in out
        for cohort, reason in (("cli-a", "Reorganisation"), ("cli-b", "Moved to Lisbon")):
            handle = await start_pair(
                dev_env.client, task_queue, SIX_MONTHS_BIWEEKLY, cohort=f"{task_queue}-{cohort}"
            )
            await handle.execute_update(
                MentorshipWorkflow.end_early, EndRequest(by="hr", reason=reason)
            )
            await handle.result()

        code, out = await cli("hr", "notices", "--json")
        assert code == 0, out
        listed = json.loads(out)
        assert [(n["kind"], n["reason"], n["digested_at"]) for n in listed] == [
            ("ended_early", "Moved to Lisbon", None),
            ("ended_early", "Reorganisation", None),
        ]
        assert listed[0]["mentor"]["name"] == "Maria Jansen"
        code, out = await cli("hr", "notices", "--cohort", f"{task_queue}-cli-a")
        assert code == 0, out
        assert "Reorganisation" in out and "Moved to Lisbon" not in out and "due" in out

        code, out = await cli("hr", "digest")
        assert code == 0, out
        assert f"Engineering Mentoring → {PM}: 2 notices sent" in out
        code, out = await cli("hr", "digest")
        assert code == 0 and "no HR notices waiting" in out
        code, out = await cli("hr", "notices", "--json")
        assert all(n["digested_at"] for n in json.loads(out))
    assert len(smtp_server.recorder.to(PM)) == 1
