"""``mentorflow hr notices | digest`` against the dev server, the way HR runs
them: pairs that ended are listed (all, or one cohort's, as a table or JSON),
and the digest goes out once a day."""

from __future__ import annotations

import json
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from mentorflow.models import EndRequest
from tests.conftest import SmtpServer
from tests.support.pairs import PM, SIX_MONTHS_BIWEEKLY, settings_for, start_pair, worker_for
from tests.test_cli_cohort import cli_environ, mentorflow
from workflows.mentorship import MentorshipWorkflow


async def test_hr_lists_the_notices_and_sends_the_digest_now(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    environ = cli_environ(dev_env, task_queue, sqlite_url, tmp_path)
    async with worker_for(dev_env.client, settings, task_queue):
        code, out = await mentorflow(environ, "hr", "notices")
        assert code == 0 and "no notices" in out
        for cohort, reason in (("cli-a", "Reorganisation"), ("cli-b", "Moved to Lisbon")):
            handle = await start_pair(
                dev_env.client, task_queue, SIX_MONTHS_BIWEEKLY, cohort=f"{task_queue}-{cohort}"
            )
            await handle.execute_update(
                MentorshipWorkflow.end_early, EndRequest(by="hr", reason=reason)
            )
            await handle.result()

        code, out = await mentorflow(environ, "hr", "notices", "--json")
        assert code == 0, out
        listed = json.loads(out)
        assert [(n["kind"], n["reason"], n["digested_at"]) for n in listed] == [
            ("ended_early", "Moved to Lisbon", None),
            ("ended_early", "Reorganisation", None),
        ]
        assert listed[0]["mentor"]["name"] == "Maria Jansen"
        code, out = await mentorflow(environ, "hr", "notices", "--cohort", f"{task_queue}-cli-a")
        assert code == 0, out
        assert "Reorganisation" in out and "Moved to Lisbon" not in out and "due" in out

        code, out = await mentorflow(environ, "hr", "digest")
        assert code == 0, out
        assert f"Engineering Mentoring → {PM}: 2 notices sent" in out
        code, out = await mentorflow(environ, "hr", "digest")
        assert code == 0 and "no HR notices waiting" in out
        code, out = await mentorflow(environ, "hr", "notices", "--json")
        assert all(n["digested_at"] for n in json.loads(out))
    assert len(smtp_server.recorder.to(PM)) == 1
