"""``mentorflow cohort applications import``: the CSV's rules (line-numbered
rejects, program defaults, whole-file errors), the submit step against the
real ApplicationWorkflow (idempotent re-import), and the command itself on
the dev server."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from mentorflow.applications.csv_import import (
    ApplicationsFileError,
    ImportReport,
    check_people,
    parse_applications,
    submit_rows,
)
from mentorflow.applications.models import WithdrawRequest, application_workflow_id
from mentorflow.models import Role
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import SmtpServer
from tests.support.applications import (
    COHORT,
    prepare_store,
    program,
    settings_with_queue,
    stored_applications,
)
from tests.support.cli import MENTORFLOW
from tests.support.pairs import worker_for

EXAMPLE = Path(__file__).parent.parent / "examples" / "applications.csv"
HEADER = (
    "employee_id,role,capacity,expertise,goals,interests,preferred_cadence,languages,"
    "mentor_preferences,notes\n"
)
GOOD = (
    HEADER
    + 'A1,mentee,,,"Lead a design review",,biweekly,English;German;english,B2;M1,\n'
    + 'B2,mentor,,"Payments, API design",,,monthly,English,,\n'
)
#: Each bad row's line, field and the reason's words.
BAD_ROWS = (
    "X1,teacher,,,Goals,,,,,\n"  # line 4
    "M1,mentee,2,,Grow,,,,,\n"  # line 5
    "C3,mentor,lots,Kubernetes,,,,,,\n"  # line 6
    "A1,mentee,,,Again,,,,,\n"  # line 7
    'D4,mentee,,,"Two\nlines",,fortnightly,,,\n'  # lines 8-9
    "E5,both,1,Go,Goals,,,,E5,\n"  # line 10
    "Z9,mentee,,,Goals,,,,,\n"  # line 11: not in the directory
)
EXPECTED = [
    (4, "role", "'teacher' is not one of mentee, mentor, both"),
    (5, "capacity", "applies to mentors only; leave it empty for a mentee"),
    (6, "capacity", "'lots' is not a whole number from 1 to 10"),
    (7, "employee_id", "A1 already applies on line 2"),
    (8, "preferred_cadence", "'fortnightly' is not one of weekly, biweekly, monthly"),
    (10, "mentor_preferences", "lists the applicant themselves"),
    (11, "employee_id", "Z9 is not an active employee in the directory"),
]


def checked(db_url: str, text: str) -> ImportReport:
    report = parse_applications(text, default_capacity=2)
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        check_people(session, report)
    engine.dispose()
    return report


# --------------------------------------------------------------------------- the file


def test_the_example_file_is_valid() -> None:
    report = parse_applications(EXAMPLE, default_capacity=2)
    assert report.errors == [] and report.warnings == []
    assert len(report.rows) == 42
    both = next(r for r in report.rows if r.employee_id == "E011")
    assert both.details.roles == [Role.MENTOR, Role.MENTEE]
    assert both.details.mentor_preferences == ["E009", "E020"]
    assert both.details.languages == ["English", "Polish", "German"]


def test_bad_rows_are_rejected_with_line_and_reason(sqlite_url: str) -> None:
    prepare_store(sqlite_url, program())
    report = checked(sqlite_url, GOOD + BAD_ROWS)
    assert [(p.line, p.field, p.reason) for p in report.errors] == EXPECTED
    assert [r.employee_id for r in report.rows] == ["A1", "B2"]
    a1, b2 = report.rows
    assert a1.details.languages == ["English", "German"]
    assert a1.details.source == "csv"
    # A mentor without a capacity gets the program's default, and HR hears of it.
    assert b2.details.capacity == 2
    assert [(w.line, w.field) for w in report.warnings] == [(3, "capacity")]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "the file is empty"),
        ("employee_id,capacity\nA1,1\n", "line 1: missing column(s): role"),
        ("employee_id,role,team\nA1,mentee,Core\n", "line 1: unknown column(s): team"),
        ("employee_id,role,role\nA1,mentee,mentee\n", "line 1: column(s) given twice: role"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(text: str, words: str) -> None:
    with pytest.raises(ApplicationsFileError, match=words.replace("(", r"\(").replace(")", r"\)")):
        parse_applications(text, default_capacity=2)


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes((HEADER + "A1,mentee,,,Développer,,,,,\n").encode("latin-1"))
    with pytest.raises(ApplicationsFileError, match="not UTF-8"):
        parse_applications(path, default_capacity=2)


# --------------------------------------------------------------------------- submitting


async def test_submitting_twice_counts_duplicates_and_changes_nothing(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    prepare_store(sqlite_url, program())
    settings = settings_with_queue(tmp_path, sqlite_url, smtp_server, task_queue)
    client = time_skipping_env.client
    async with worker_for(client, settings, task_queue):
        first = checked(sqlite_url, GOOD)
        await submit_rows(client, task_queue, COHORT, program(), first)
        assert [(line, who) for line, who, _ in first.submitted] == [(2, "A1"), (3, "B2")]
        await wait_for_store(sqlite_url, {("A1", "mentee"), ("B2", "mentor")})

        # A1 withdraws (their workflow finishes); B2's application stays open.
        a1 = client.get_workflow_handle(application_workflow_id(COHORT, "A1"))
        await a1.execute_update("withdraw", WithdrawRequest(by="A1"))
        await a1.result()

        again = checked(sqlite_url, GOOD)
        await submit_rows(client, task_queue, COHORT, program(), again)
        assert again.submitted == [] and again.errors == []
        reasons = {who: message for _, who, message in again.duplicates}
        assert "already applied" in reasons["B2"]
        # Re-running the file does not bring back someone who withdrew.
        assert "already applied" in reasons["A1"]
        assert ("A1", "mentee", "withdrawn", "csv") in stored_applications(sqlite_url)


async def wait_for_store(db_url: str, wanted: set[tuple[str, str]]) -> None:
    deadline = time.monotonic() + 15
    while not wanted <= {(who, role) for who, role, _, _ in stored_applications(db_url)}:
        assert time.monotonic() < deadline, stored_applications(db_url)
        await asyncio.sleep(0.05)


# --------------------------------------------------------------------------- the command


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MENTORFLOW), "cohort", "applications", "import", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


async def test_the_command_submits_good_rows_and_lists_bad_ones(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    prepare_store(sqlite_url, program())
    settings = settings_with_queue(tmp_path, sqlite_url, smtp_server, task_queue)
    csv_file = tmp_path / "applications.csv"
    csv_file.write_text(GOOD + BAD_ROWS)
    env = {
        "MENTORFLOW_VAR_DIR": str(tmp_path / "var"),
        "MENTORFLOW_DATABASE_URL": sqlite_url,
        "MENTORFLOW_TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "MENTORFLOW_TEMPORAL_TASK_QUEUE": task_queue,
        "MENTORFLOW_SECRET_KEY": "test-secret",
    }
    async with worker_for(dev_env.client, settings, task_queue):
        result = await asyncio.to_thread(run_cli, env, COHORT, str(csv_file))
        assert result.returncode == 1, result.stdout + result.stderr
        for line, field, reason in EXPECTED:
            assert f"{csv_file}:{line}: {field}: {reason}" in result.stdout, result.stdout
        assert "7 row(s) rejected" in result.stderr
        assert "submitted" in result.stdout and "already applied" in result.stdout
        await wait_for_store(sqlite_url, {("A1", "mentee"), ("B2", "mentor")})

    unknown = await asyncio.to_thread(run_cli, env, "no-such-cohort", str(csv_file))
    assert unknown.returncode == 1
    assert "there is no cohort 'no-such-cohort'" in unknown.stderr
