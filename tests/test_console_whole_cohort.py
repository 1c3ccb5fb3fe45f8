"""HR's whole job for one cohort in the console, in headless Chromium with
JavaScript off, through the real sign-in, on the dev Temporal server with a
worker and a real SMTP server: Anna launches the cohort, imports its
applications, closes them, reviews the proposal, drops a pair and approves;
she watches the pairs start, opens the pair that went at risk, pauses it and
has its last email sent again, which arrives at the SMTP server. Ben, who
manages another program, is refused its pages and API; a POST without the
CSRF token changes nothing; each action is in the audit log once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.async_api import BrowserContext, Page
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import GoalProposal, GoalReview, IntroductionAnswer
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.mentorships import list_mentorships
from tests.conftest import SmtpServer
from tests.support.cohort_console import (
    APPLICATIONS,
    cohort_console,
    cohort_status,
    end_cohort,
    eventually,
    in_pool,
)
from tests.support.hr import ALEX, ANNA, BEN, Console, sign_in
from tests.support.pairs import goals_for, snapshot
from workflows.mentorship import MentorshipWorkflow

COHORT = "eng-whole"
#: The mentees of tests.support.cohort_console's directory.
MENTEE_EMAILS = {
    "A1": "ana.applicant@example.com",
    "C3": "cleo.coder@example.com",
    "E5": "eve.ever@example.com",
}

#: Program A with a pair's life in seconds: a check-in every 4 s, open for 3.
QUICK_PROGRAM = f"""name: Engineering Mentoring
program_manager_email: {ANNA}
managers: [{ALEX}]
default_mentor_capacity: 2
cadence: PT4S
checkin_window: PT3S
duration: PT3M
introduction_timeout: PT2M
goals_timeout: PT2M
survey_window: PT30S
at_risk_streak: 2
""".encode()


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


def pair_ids(db_url: str) -> list[tuple[str, str, str]]:
    """(mentorship id, mentor id, mentee id) of the cohort's stored pairs."""
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as session:
            return [(m.id, m.mentor_id, m.mentee_id) for m in list_mentorships(session, COHORT)]
    finally:
        engine.dispose()


async def start_working(handle: WorkflowHandle, mentor: str, mentee: str) -> None:
    """Both confirm the introduction and agree goals (the participants'
    pages are tested elsewhere); then nobody answers a check-in."""
    for person in (mentor, mentee):
        await handle.execute_update(
            MentorshipWorkflow.confirm_introduction, IntroductionAnswer(by=person, accept=True)
        )
    for _ in range(200):
        if (await snapshot(handle)).phase == "goals":
            break
        await asyncio.sleep(0.05)
    await handle.execute_update(
        MentorshipWorkflow.propose_goals, GoalProposal(by=mentee, goals=goals_for())
    )
    await handle.execute_update(MentorshipWorkflow.review_goals, GoalReview(by=mentor, agree=True))


async def test_a_program_manager_runs_a_whole_cohort_from_the_console(
    console: Console,
    context: BrowserContext,
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
) -> None:
    base = console.base_url
    page = await context.new_page()
    await sign_in(page, console, ANNA)

    # Launch from an uploaded program file.
    await page.click("text=Launch a cohort")
    await page.fill("#launch-name", COHORT)
    await _upload(page, "#launch-file", "quick.yaml", QUICK_PROGRAM, "text/yaml")
    await page.click("button:has-text('Launch the cohort')")
    assert page.url == f"{base}/hr/cohorts/{COHORT}", await page.inner_text("main")

    # Import the applications; the malformed row is reported by line.
    await page.click("text=Applications: list, import, add")
    await _upload(page, "#import-file", "applications.csv", APPLICATIONS, "text/csv")
    await page.click("button:has-text('Import applications')")
    assert "rejected applications.csv:3: role:" in await page.inner_text("main")
    await eventually(in_pool(console.db_url, COHORT, 5))

    # Close applications, review, drop a pair, approve.
    await page.goto(f"{base}/hr/cohorts/{COHORT}/close")
    await page.check("input[name=confirm]")
    await page.click("button:has-text('Close applications')")
    await eventually(lambda: cohort_status(console.db_url, COHORT) == "review")
    await page.goto(f"{base}/hr/cohorts/{COHORT}/review")
    await page.check("input[name=drop][value='D4:A1']")
    await page.click("button:has-text('Approve')")
    assert "Approved: 2 pairs start now." in await page.inner_text("main")

    # The pairs start: their introductions reach the SMTP server and the
    # cohort's pairs page lists them.
    await eventually(lambda: len(pair_ids(console.db_url)) == 2)
    pairs = pair_ids(console.db_url)
    for _, mentor, mentee in pairs:
        for person in (mentor, mentee):
            await smtp_server.recorder.wait_for(
                lambda m, p=person: (
                    "introduction" in str(m["X-Mentorflow-Key"]) and p in str(m["X-Mentorflow-Key"])
                ),
                within=30,
            )
    await page.goto(f"{base}/hr/cohorts/{COHORT}/pairs")
    assert await page.locator("table.pairs tbody tr").count() == 2

    # One pair gets going and then misses its check-ins: it goes at risk.
    at_risk_id, mentor, mentee = pairs[0]
    handle = dev_env.client.get_workflow_handle(at_risk_id)
    await start_working(handle, mentor, mentee)
    for _ in range(300):
        if (await snapshot(handle)).at_risk:
            break
        await asyncio.sleep(0.1)
    assert (await snapshot(handle)).at_risk

    # HR opens it from the at-risk list and pauses it.
    for _ in range(100):  # the store follows the workflow a moment later
        await page.goto(f"{base}/hr/at-risk")
        if await page.locator(f"a[href*='{quote(at_risk_id, safe=':')}']").count():
            break
        await asyncio.sleep(0.1)
    await page.locator(f"a[href*='{quote(at_risk_id, safe=':')}']").first.click()
    pair_page = page.url
    assert "At risk" in await page.locator("ol.timeline").inner_text()

    # A pause posted without the form's token is refused and changes nothing.
    forged = await page.request.post(f"{pair_page}/pause", form={"note": "forged"})
    assert forged.status == 403
    assert not (await snapshot(handle)).paused

    await page.fill("#f-pause-note", "On leave for two weeks")
    await page.click("button:has-text('Pause')")
    assert (await snapshot(handle)).paused
    await smtp_server.recorder.wait_for(
        lambda m: "mentorship_paused" in str(m["X-Mentorflow-Key"]), within=30
    )

    # Resend the last email to the mentee: one more copy arrives.
    await page.goto(pair_page)
    form = page.locator("form[action$='/resend']").filter(
        has=page.locator(f"input[name=employee_id][value='{mentee}']")
    )
    before = len(smtp_server.recorder.messages)
    await form.locator("button").click()
    assert "on its way" in await page.locator(".notice").inner_text()
    copy = await smtp_server.recorder.wait_for(
        lambda m: str(m["X-Mentorflow-Key"]).startswith("hr-resend:"), within=30
    )
    assert len(smtp_server.recorder.messages) == before + 1
    assert MENTEE_EMAILS[mentee] in str(copy["To"]), copy["To"]

    # Ben manages another program: its pages and API are refused.
    ben = await context.browser.new_context(java_script_enabled=False)  # type: ignore[union-attr]
    try:
        other = await ben.new_page()
        await sign_in(other, console, BEN)
        for path in (
            f"/hr/cohorts/{COHORT}",
            f"/hr/cohorts/{COHORT}/pairs",
            pair_page[len(base) :],
        ):
            response = await other.goto(base + path)
            assert response is not None and response.status == 403, path
    finally:
        await ben.close()
    token = await console.access_token(BEN)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        assert (await http.get(f"/api/v1/cohorts/{COHORT}")).status_code == 403
        assert (await http.post(f"/api/v1/mentorships/{at_risk_id}/resume")).status_code == 403
    assert (await snapshot(handle)).paused

    # Every action once in the audit log, in the order Anna took them.
    mine = [
        (action, result)
        for action, result, _ in console.audit(ANNA)
        if action not in ("sign_in", "access")
    ]
    assert mine == [
        ("launch", "ok"),
        ("import_applications", "ok"),
        ("close", "ok"),
        ("approve", "ok"),
        ("pause", "ok"),
        ("resend", "ok"),
    ], mine
    refused = [r for r in console.audit_rows() if r.actor == ANNA and r.action == "access"]
    assert [r.detail["reason"] for r in refused] == ["missing or wrong CSRF token"]
