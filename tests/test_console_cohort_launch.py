"""Launching from a program's page in Chromium: again with the file stored
with the program's latest cohort; a program manager uploading a file of a
brand-new program is told politely that an administrator starts it; a form
posted without its CSRF token changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import BrowserContext
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SmtpServer
from tests.support.cohort_console import (
    PROGRAM_FILE,
    cohort_console,
    cohort_status,
    end_cohort,
)
from tests.support.hr import ANNA, PROGRAM_A, Console, sign_in

AGAIN = "eng-again"


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
            await end_cohort(dev_env, AGAIN)


async def test_launch_again_with_the_stored_file_and_what_a_manager_may_not(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, console, ANNA, start=f"/hr/programs/{quote(PROGRAM_A)}")

    # A brand-new program: not a manager's to start; nothing launched.
    await page.fill("#launch-name", "new-program-1")
    new = PROGRAM_FILE.replace(b"Engineering Mentoring", b"Brand New Mentoring")
    await page.set_input_files(
        "#launch-file", files=[{"name": "new.yaml", "mimeType": "text/yaml", "buffer": new}]
    )
    await page.click("button:has-text('Launch the cohort')")
    text = await page.inner_text("main")
    assert "started by an HR administrator" in text and "Nothing was changed." in text, text
    assert cohort_status(console.db_url, "new-program-1") is None

    # Forged: no CSRF token, nothing launched.
    forged = await page.request.post(
        f"{console.base_url}/hr/launch",
        multipart={"name": "forged-1", "stored": PROGRAM_A},
    )
    assert forged.status == 403
    assert cohort_status(console.db_url, "forged-1") is None

    # Again with the stored file of the program's latest cohort.
    await page.goto(f"{console.base_url}/hr/programs/{quote(PROGRAM_A)}")
    await page.fill("#launch-name", AGAIN)
    await page.check(f"input[name=stored][value='{PROGRAM_A}']")
    await page.click("button:has-text('Launch the cohort')")
    assert page.url == f"{console.base_url}/hr/cohorts/{AGAIN}", page.url
    assert f"Cohort {AGAIN} of {PROGRAM_A} launched" in await page.inner_text("main")
    assert cohort_status(console.db_url, AGAIN) == "open"

    # One application by hand: the checks of a CSV row.
    await page.goto(f"{console.base_url}/hr/cohorts/{AGAIN}/applications")
    await page.fill("#add-id", "Z0")
    await page.check("input[name=role][value=mentee]")
    await page.click("button:has-text('Add the application')")
    assert "Z0 is not an active employee in the directory" in await page.inner_text("main")
    await page.goto(f"{console.base_url}/hr/cohorts/{AGAIN}/applications")
    await page.fill("#add-id", "B2")
    await page.check("input[name=role][value=mentor]")
    await page.fill("#add-capacity", "2")
    await page.fill("#add-expertise", "Payments")
    await page.fill("#add-languages", "English")
    await page.click("button:has-text('Add the application')")
    assert "submitted\t1" in await page.inner_text("main")
    # The application's workflow writes the row a moment after the submission.
    for _ in range(150):
        await page.goto(f"{console.base_url}/hr/cohorts/{AGAIN}/applications?q=B2")
        if await page.locator("tbody").count():
            break
        await asyncio.sleep(0.2)
    assert "Bo Builder" in await page.inner_text("tbody")

    # The programs page links each cohort to its page.
    await page.goto(f"{console.base_url}/hr")
    await page.click(f"a:has-text('{AGAIN}')")
    assert page.url == f"{console.base_url}/hr/cohorts/{AGAIN}"
    refused = [r for r in console.audit(ANNA) if r[0] == "launch"]
    assert refused == [
        ("launch", "refused", "cohort:new-program-1"),
        ("launch", "ok", f"cohort:{AGAIN}"),
    ]
