"""A cohort run from the HR console in headless Chromium (JavaScript off),
through the real sign-in, on the dev Temporal server with a worker: Anna
launches a cohort of her program from an uploaded file (a broken one shows
its file:line problems and launches nothing), imports applications (a
malformed row reported by line; a re-import reports duplicates), filters and
searches them, closes applications, reviews the proposal (drops a pair, sees
a forced pair refused with the engine's reason) and approves. Ben, who
manages another program, is refused every page of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SmtpServer
from tests.support.cohort_console import (
    APPLICATIONS,
    BROKEN_PROGRAM_FILE,
    PROGRAM_FILE,
    cohort_console,
    cohort_status,
    end_cohort,
    eventually,
    in_pool,
)
from tests.support.hr import ANNA, BEN, Console, sign_in

COHORT = "eng-console"


@pytest.fixture
async def console(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Console]:
    async with cohort_console(tmp_path, sqlite_url, dev_env, smtp_server.port, task_queue) as c:
        try:
            yield c
        finally:
            await end_cohort(dev_env, COHORT)


async def _upload(page: Page, selector: str, name: str, data: bytes, mime: str) -> None:
    await page.set_input_files(selector, files=[{"name": name, "mimeType": mime, "buffer": data}])


async def test_anna_runs_a_cohort_from_the_console(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, console, ANNA)
    await page.click("text=Launch a cohort")

    # A broken file: its problems by line, named as uploaded; nothing launched.
    await page.fill("#launch-name", COHORT)
    await _upload(page, "#launch-file", "spring.yaml", BROKEN_PROGRAM_FILE, "text/yaml")
    await page.click("button:has-text('Launch the cohort')")
    problems = await page.inner_text("main")
    assert "spring.yaml:3: cadence:" in problems, problems
    assert "spring.yaml:4: default_mentor_capacity:" in problems, problems
    assert "Nothing was changed." in problems
    assert cohort_status(console.db_url, COHORT) is None

    # The good file: the cohort's page, open, with its dates.
    await page.goto(f"{console.base_url}/hr/launch")
    await page.fill("#launch-name", COHORT)
    await page.fill("#launch-closes", "P1D")
    await _upload(page, "#launch-file", "spring.yaml", PROGRAM_FILE, "text/yaml")
    await page.click("button:has-text('Launch the cohort')")
    assert page.url == f"{console.base_url}/hr/cohorts/{COHORT}", page.url
    text = await page.inner_text("main")
    assert f"Cohort {COHORT} of Engineering Mentoring launched" in text, text
    assert "Applications close" in text and "No applications yet." in text

    # Import: the malformed row by line, the rest submitted.
    await page.click("text=Applications: list, import, add")
    await _upload(page, "#import-file", "applications.csv", APPLICATIONS, "text/csv")
    await page.click("button:has-text('Import applications')")
    report = await page.inner_text("main")
    assert (
        "rejected applications.csv:3: role: 'boss' is not one of mentee, mentor, both (X9)"
        in report
    ), report
    assert "submitted\t5" in report and "1 row(s) rejected" in report, report
    # Again: everyone is a duplicate.
    await page.goto(f"{console.base_url}/hr/cohorts/{COHORT}/applications")
    await _upload(page, "#import-file", "applications.csv", APPLICATIONS, "text/csv")
    await page.click("button:has-text('Import applications')")
    report = await page.inner_text("main")
    assert "already applied\t5" in report and "duplicate applications.csv:2: B2:" in report, report
    await eventually(in_pool(console.db_url, COHORT, 5))

    # Filter and search, as plain GET forms.
    await page.goto(f"{console.base_url}/hr/cohorts/{COHORT}/applications")
    await page.select_option("#f-role", "mentor")
    await page.click("button:has-text('Filter')")
    rows = await page.locator("tbody tr").all_inner_texts()
    assert sorted(r.split("\t")[1] for r in rows) == ["B2", "D4"], rows
    assert "role=mentor" in page.url
    await page.select_option("#f-role", "")
    await page.fill("#f-q", "cleo")
    await page.click("button:has-text('Filter')")
    rows = await page.locator("tbody tr").all_inner_texts()
    assert len(rows) == 1 and "Cleo Coder" in rows[0] and "in pool" in rows[0], rows

    # Close: the confirmation is required.
    await page.goto(f"{console.base_url}/hr/cohorts/{COHORT}")
    await page.click("text=Close applications now")
    await page.click("button:has-text('Close applications')")
    assert "Tick" in await page.inner_text("main")
    assert cohort_status(console.db_url, COHORT) == "open"
    await page.check("input[name=confirm]")
    await page.click("button:has-text('Close applications')")
    assert "Applications are closed; matching starts now." in await page.inner_text("main")
    await eventually(lambda: cohort_status(console.db_url, COHORT) == "review")

    # Review: three pairs with their explanations.
    await page.goto(f"{console.base_url}/hr/cohorts/{COHORT}/review")
    text = await page.inner_text("main")
    assert "3 of 3 mentees matched with 2 mentors" in text, text
    assert "Why, criterion by criterion" in text
    assert "Bo Builder (B2) → Eve Ever (E5)" in text, text

    # Force Dana → Eve: the engine says why not; drop Dana → Ana.
    await page.check("input[name=drop][value='D4:A1']")
    await page.select_option("#force-mentor", "D4")
    await page.select_option("#force-mentee", "E5")
    await page.click("button:has-text('Preview')")
    verdict = await page.inner_text("#verdict")
    assert "D4:E5 breaks reporting_line: D4 is in E5's management chain" in verdict, verdict
    assert await page.is_checked("input[name=drop][value='D4:A1']")
    # Approving it anyway is refused by the workflow, with the same reason.
    await page.click("button:has-text('Approve')")
    refused = await page.inner_text("main")
    assert "The engine refused this" in refused and "reporting_line" in refused, refused

    await page.goto(f"{console.base_url}/hr/cohorts/{COHORT}/review")
    await page.check("input[name=drop][value='D4:A1']")
    await page.click("button:has-text('Preview')")
    assert "Approving starts 2 pair(s)" in await page.inner_text("#verdict")
    await page.click("button:has-text('Approve')")
    assert "Approved: 2 pairs start now." in await page.inner_text("main")
    await eventually(lambda: cohort_status(console.db_url, COHORT) == "running")

    # The audit log: one row for each thing Anna did, the drop in the approval.
    done = [(a, r) for a, r, t in console.audit(ANNA) if t == f"cohort:{COHORT}"]
    assert done.count(("launch", "ok")) == 1 and ("launch", "refused") not in done
    assert done.count(("import_applications", "ok")) == 2  # the import and the re-import
    assert done.count(("close", "ok")) == 1
    assert done.count(("approve", "ok")) == 1 and done.count(("approve", "refused")) == 1
    approve = next(r for r in console.audit_rows() if r.action == "approve" and r.result == "ok")
    assert approve.detail["drop"] == ["D4:A1"]

    # Ben manages another program: every page of this cohort is refused.
    ben = await context.browser.new_context(java_script_enabled=False)  # type: ignore[union-attr]
    try:
        other = await ben.new_page()
        await sign_in(other, console, BEN)
        for path in ("", "/applications", "/review", "/close"):
            response = await other.goto(f"{console.base_url}/hr/cohorts/{COHORT}{path}")
            assert response is not None and response.status == 403, path
    finally:
        await ben.close()
