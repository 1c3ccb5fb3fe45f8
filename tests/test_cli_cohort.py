"""HR's whole job from the command line, against the dev server: import the
directory, launch a cohort, import applications, close early, review the
proposal, approve, watch the pairs start, read the report."""

from __future__ import annotations

import asyncio
import getpass
import json
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from mentorflow.cohorts.models import CohortSnapshot
from mentorflow.cohorts.review import application_counts
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.store.audit import list_audit
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import SmtpServer
from tests.support.cli import cli_with_worker

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


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
    cohort = f"cli-{task_queue[-8:]}"
    async with cli_with_worker(dev_env, smtp_server.port, sqlite_url, task_queue, tmp_path) as cli:
        code, out = await cli("directory", "import", str(EXAMPLES / "directory.csv"))
        assert code == 0, out
        code, out = await cli(
            "cohort", "launch", str(program_without_manager_approval), "--name", cohort
        )
        assert code == 0, out
        assert "applications are open" in out
        code, out = await cli(
            "cohort", "applications", "import", cohort, str(EXAMPLES / "applications.csv")
        )
        assert "submitted" in out.lower(), out
        code, out = await cli("cohort", "approve", cohort)
        assert code == 1 and "no proposal" in out.lower()  # still open

        await asyncio.sleep(3)  # the applications reach the pool (eligibility checks)
        code, out = await cli("cohort", "close", cohort)
        assert code == 0, out
        for _ in range(60):
            code, out = await cli("cohort", "status", cohort, "--json")
            status = json.loads(out)
            if status["status"] == "review":
                break
            await asyncio.sleep(0.5)
        assert status["status"] == "review", status
        matched = status["proposal"]["matched"]
        assert matched > 0 and status["proposal_pairs"]["pairs"]
        code, out = await cli("cohort", "status", cohort)
        assert "Proposed pairs" in out

        code, out = await cli("cohort", "approve", cohort)
        assert code == 0 and f"{matched} pairs" in out, out
        for _ in range(60):
            status = json.loads((await cli("cohort", "status", cohort, "--json"))[1])
            if status["pairs_started"] == matched:
                break
            await asyncio.sleep(0.5)
        assert status["status"] == "running" and status["pairs_started"] == matched

        code, out = await cli("report", cohort, "--format", "json")
        assert code == 0, out
        report = json.loads(out)
        assert report["pairs"] == matched and report["mentees_matched"] == matched
        code, out = await cli("report", cohort, "--format", "html", "-o", str(tmp_path / "r.html"))
        assert code == 0 and "<svg" in (tmp_path / "r.html").read_text()
        # The pairs run for months: end them so the shared dev server stays quiet.
        handle = dev_env.client.get_workflow_handle(f"cohort:{cohort}")
        await handle.terminate("test over")

    # Every action HR took at the shell is in the audit log, as the person at
    # the terminal, with how it ended; reading the status is not an action.
    engine = make_engine(sqlite_url)
    try:
        with make_sessionmaker(engine)() as session:
            rows = list(reversed(list_audit(session)))
    finally:
        engine.dispose()
    assert [(r.action, r.result) for r in rows] == [
        ("import_directory", "ok"),
        ("launch", "ok"),
        ("import_applications", "ok"),
        ("approve", "refused"),
        ("close", "ok"),
        ("approve", "ok"),
        ("export", "ok"),
        ("export", "ok"),
    ]
    assert {r.actor for r in rows} == {f"cli:{getpass.getuser()}"}
    assert rows[2].detail["submitted"] > 0 and rows[2].target == f"cohort:{cohort}"


async def test_status_counts_applications_names_people_and_approve_checks_hard_rules(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
    program_without_manager_approval: Path,
) -> None:
    cohort = f"rules-{task_queue[-8:]}"
    async with cli_with_worker(dev_env, smtp_server.port, sqlite_url, task_queue, tmp_path) as cli:
        await cli("directory", "import", str(EXAMPLES / "directory.csv"))
        code, out = await cli(
            "cohort", "launch", str(program_without_manager_approval), "--name", cohort
        )
        assert code == 0, out
        code, out = await cli("cohort", "status", cohort)
        assert "Applications: none yet." in out, out
        await cli("cohort", "applications", "import", cohort, str(EXAMPLES / "applications.csv"))
        engine = make_engine(sqlite_url)
        for _ in range(120):  # every row of the file past its eligibility check
            with make_sessionmaker(engine)() as session:
                counts = application_counts(session, cohort)
            if counts[ApplicationStatus.APPROVED] + counts[ApplicationStatus.INELIGIBLE] == 42:
                break
            await asyncio.sleep(0.25)
        engine.dispose()
        in_pool = counts[ApplicationStatus.APPROVED]
        withdrawal = dev_env.client.get_workflow_handle(f"application:{cohort}:E053")
        await withdrawal.execute_update("withdraw", {"by": "hr", "reason": "Changed teams"})
        await asyncio.sleep(1)

        # While applications are open: how many people are at each step.
        status = json.loads((await cli("cohort", "status", cohort, "--json"))[1])
        assert status["status"] == "open"
        counts = status["applications"]
        assert counts["approved"] == in_pool - 1 and counts["withdrawn"] == 1, counts
        assert counts["submitted"] == counts["awaiting_manager"] == counts["rejected"] == 0
        code, out = await cli("cohort", "status", cohort)
        ineligible = f", ineligible {counts['ineligible']}" if counts["ineligible"] else ""
        line = f"Applications: 42 people: in pool {in_pool - 1}{ineligible}, withdrawn 1."
        assert line in out, out

        await cli("cohort", "close", cohort)
        handle = dev_env.client.get_workflow_handle(f"cohort:{cohort}")
        for _ in range(120):
            if (await handle.query("status", result_type=CohortSnapshot)).status == "review":
                break
            await asyncio.sleep(0.25)
        status = json.loads((await cli("cohort", "status", cohort, "--json"))[1])
        assert status["names"]["E018"] == "Rachel Kim", status
        code, out = await cli("cohort", "status", cohort)
        pair = status["proposal_pairs"]["pairs"][0]
        for person in (pair["mentor_id"], pair["mentee_id"]):
            assert f"{status['names'][person]} ({person})" in out, out
        for unmatched in status["proposal_pairs"]["unmatched_mentees"]:
            person = unmatched["mentee_id"]
            assert f"unmatched {status['names'][person]} ({person})" in out, out

        # E018 manages E024: forcing the pair is refused, naming the rule.
        drops = [
            arg
            for p in status["proposal_pairs"]["pairs"]
            if p["mentor_id"] == "E018"
            for arg in ("--drop", f"E018:{p['mentee_id']}")
        ]
        code, out = await cli("cohort", "approve", cohort, *drops, "--force", "E018:E024")
        assert code == 1, out
        assert (
            "error: E018:E024 breaks reporting_line: E018 is in E024's management chain; "
            'pass --override-rule "E018:E024=reason" to force it anyway'
        ) in out
        code, out = await cli(
            "cohort",
            "approve",
            cohort,
            *drops,
            "--force",
            "E018:E024",
            "--override-rule",
            "E018:E024=E024 moves to another team in January",
        )
        assert code == 0 and "pairs start now" in out, out
        code, out = await cli("cohort", "status", cohort)
        names = status["names"]
        assert (
            f"forced despite the hard rules {names['E018']} (E018) → {names['E024']} (E024): "
            "E024 moves to another team in January"
        ) in out, out
        status = json.loads((await cli("cohort", "status", cohort, "--json"))[1])
        assert status["overrides"]["rule_overrides"][0]["reason"].startswith("E024 moves")
        await handle.terminate("test over")
