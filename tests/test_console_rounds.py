"""An evergreen intake's rounds from the HR console in headless Chromium
(JavaScript off), through the real sign-in, on the dev server with a worker:
Anna launches the intake, runs a round now, reviews its proposal on the same
review page as a cohort's and approves it; the rounds page then lists the
round with its pairs, and a second round finds nobody new to match."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext
from temporalio.testing import WorkflowEnvironment

from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr.applications import import_applications
from mentorflow.hr.audited import Actor
from mentorflow.program import ProgramConfig
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import SmtpServer
from tests.support.cohort_console import (
    APPLICATIONS,
    cohort_console,
    end_cohort,
    eventually,
    in_pool,
)
from tests.support.hr import ANNA, Console, sign_in

INTAKE = "eng-evergreen"


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
            await end_cohort(dev_env, INTAKE)


async def test_anna_runs_and_approves_a_round(
    console: Console, context: BrowserContext, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    engine = make_engine(console.db_url)
    sessions = make_sessionmaker(engine)
    program = ProgramConfig.model_validate(
        {
            "name": "Engineering Mentoring",
            "program_manager_email": ANNA,
            "intake": "evergreen",
            # The schedule stays out of the way: Anna runs the rounds.
            "rounds": {"every": "P7D"},
        }
    )
    queue = console.settings.temporal_task_queue
    await hr_cohorts.launch_cohort(
        sessions, dev_env.client, queue, program, INTAKE, actor=Actor(who=ANNA)
    )
    csv = tmp_path / "applications.csv"
    csv.write_bytes(APPLICATIONS)
    await import_applications(sessions, dev_env.client, queue, INTAKE, csv, actor=Actor(who=ANNA))
    await eventually(in_pool(console.db_url, INTAKE, 5))

    page = await context.new_page()
    await sign_in(page, console, ANNA)
    await page.goto(f"{console.base_url}/hr/cohorts/{INTAKE}")
    text = await page.inner_text("main")
    assert "never: an evergreen intake" in text, text
    await page.click("text=Matching rounds: run one now, review")
    assert "No rounds yet." in await page.inner_text("main")

    await page.click("button:has-text('Run a round now')")
    assert page.url == f"{console.base_url}/hr/cohorts/{INTAKE}/rounds/1", page.url
    for _ in range(100):
        text = await page.inner_text("main")
        if "Proposal (run" in text:
            break
        await asyncio.sleep(0.2)
        await page.reload()
    assert f"Round 1 of {INTAKE}" in text and "3 of 3 mentees matched" in text, text
    await page.click("button:has-text('Approve')")
    assert "Approved: 3 pairs start now." in await page.inner_text("main")

    await page.goto(f"{console.base_url}/hr/cohorts/{INTAKE}/rounds")
    for _ in range(100):
        row = await page.inner_text("tbody tr:first-child")
        if "done" in row:
            break
        await asyncio.sleep(0.2)
        await page.reload()
    assert "Round 1" in row and "done" in row and ANNA in row, row

    # Everyone has a mentor and the mentors' room is taken: nobody to match.
    await page.click("button:has-text('Run a round now')")
    for _ in range(100):
        text = await page.inner_text("main")
        if "Nobody could be matched" in text:
            break
        await asyncio.sleep(0.2)
        await page.reload()
    assert "Nobody could be matched: 0 mentees waiting" in text, text
    engine.dispose()
