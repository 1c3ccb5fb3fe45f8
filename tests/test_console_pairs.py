"""HR watches a real pair in the console (headless Chromium, the real
sign-in, JavaScript off): a pair that missed its check-ins leads the cohort's
pairs with its streak, its page tells its story with the emails sent, and
HR pauses it, has its last email sent again (once) and follows the flag up.
What the pair wrote stays theirs unless the program file says otherwise."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.async_api import BrowserContext, Page
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import (
    GoalProposal,
    GoalReview,
    IntroductionAnswer,
    MentorshipInput,
    Participant,
)
from tests.conftest import SmtpServer
from tests.support.hr import ANNA, BEN, COHORT_A, sign_in
from tests.support.pair_console import (
    COHORT_OPEN_BOOK,
    MENTEE,
    PROGRAM,
    SECRET,
    PairConsole,
    drive,
    pair_at_risk,
    pair_console,
)
from tests.support.pairs import eventually, goals_for, snapshot
from workflows.mentorship import MentorshipWorkflow

AARON = Participant(employee_id="E300", email="aaron.able@example.com", name="Aaron Able")
MINA = Participant(employee_id="E400", email="mina.mentor@example.com", name="Mina Mentor")


@pytest.fixture
async def lab(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[PairConsole]:
    async with pair_console(
        tmp_path, sqlite_url, time_skipping_env, smtp_server, task_queue
    ) as lab:
        yield lab


def pair_url(mentorship_id: str) -> str:
    return f"/hr/mentorships/{quote(mentorship_id, safe=':')}"


async def arrived(lab: PairConsole, predicate, count: int, within: float = 15.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + within
    while sum(1 for m in lab.smtp.recorder.messages if predicate(m)) < count:
        assert asyncio.get_running_loop().time() < deadline, "the email did not arrive"
        await asyncio.sleep(0.05)


def key_of(message) -> str:  # type: ignore[no-untyped-def]
    return str(message["X-Mentorflow-Key"])


async def test_an_at_risk_pair_from_the_list_to_its_follow_up(
    lab: PairConsole, context: BrowserContext
) -> None:
    client = lab.env.client
    # A second pair, just introduced: first by name, but not at risk.
    other = MentorshipInput(cohort=COHORT_A, program=PROGRAM, mentor=MINA, mentee=AARON)
    await client.start_workflow(
        MentorshipWorkflow.run, other, id=other.workflow_id, task_queue=lab.task_queue
    )
    handle = await pair_at_risk(lab)
    page = await context.new_page()
    await sign_in(page, lab.console, ANNA, f"/hr/cohorts/{COHORT_A}/pairs")

    rows = page.locator("table.pairs tbody tr")
    assert await rows.count() == 2
    first = await rows.nth(0).inner_text()
    assert "Eli Okafor" in first and "at risk · 2 missed" in first
    assert "Aaron Able" in await rows.nth(1).inner_text()
    await page.goto(lab.console.base_url + f"/hr/cohorts/{COHORT_A}/pairs?sort=name")
    assert "Aaron Able" in await rows.nth(0).inner_text()
    await page.goto(lab.console.base_url + f"/hr/cohorts/{COHORT_A}/pairs?show=at_risk")
    assert await rows.count() == 1

    await page.click("text=Eli Okafor")
    assert page.url.endswith(pair_url(handle.id))
    timeline = await page.locator("ol.timeline").inner_text()
    for step in (
        "Introduction confirmed",
        "Goal: Lead a design review",
        "Check-in 1 answered by Eli Okafor",
        "Check-in 2 closed: missed",
        "At risk",
        "Email introduction to Eli Okafor <eli.mentee@example.com>",
        "Email at risk to",
    ):
        assert step in timeline, step
    assert SECRET not in await page.content()

    # Pause: the workflow says paused, both people get the email.
    await page.fill("#f-pause-note", "Eli is on leave")
    await page.click("button:has-text('Pause')")
    assert "paused" in (await page.locator(".notice").inner_text()).lower()
    assert (await snapshot(handle)).paused
    await arrived(
        lab, lambda m: "mentorship_paused" in key_of(m) and MENTEE.email in str(m["To"]), 1
    )
    for _ in range(100):  # the store follows the workflow a moment later
        await page.reload()
        if "paused" in await page.locator(".facts").inner_text():
            break
        await asyncio.sleep(0.05)
    assert "paused" in await page.locator(".facts").inner_text()

    # Resend: exactly one more copy of Eli's last email, however often posted.
    form = page.locator("form[action$='/resend']").filter(has_text="Eli Okafor")
    message = await form.locator("input[name=message]").get_attribute("value")
    csrf = await form.locator("input[name=csrf_token]").get_attribute("value")
    to_eli = len(lab.smtp.recorder.to(MENTEE.email))
    await form.locator("button").click()
    assert "on its way" in await page.locator(".notice").inner_text()
    await arrived(lab, lambda m: MENTEE.email in str(m["To"]), to_eli + 1)
    copy = lab.smtp.recorder.to(MENTEE.email)[-1]
    assert key_of(copy).startswith(f"hr-resend:{message}:")
    await page.reload()
    again = await page.request.post(
        lab.console.base_url + pair_url(handle.id) + "/resend",
        form={
            "csrf_token": csrf or "",
            "employee_id": MENTEE.employee_id,
            "message": message or "",
        },
    )
    assert again.ok and "already sent again" in await again.text()
    await asyncio.sleep(1.5)
    assert len(lab.smtp.recorder.to(MENTEE.email)) == to_eli + 1

    # Follow up from the at-risk list: it moves to "Followed up", once.
    await page.click("a.bar-link:has-text('At risk')")
    await page.fill("input[name=note]", "Called Eli's manager")
    await page.click("button:has-text('Mark followed up')")
    assert page.url.endswith("/hr/at-risk")
    followed = await page.locator("section.card").nth(1).inner_text()
    assert "Eli Okafor" in followed and ANNA in followed and "Called Eli's manager" in followed
    assert (
        "No flag waits for a follow-up." in await page.locator("section.card").nth(0).inner_text()
    )
    await page.request.post(
        lab.console.base_url + pair_url(handle.id) + "/follow-up",
        form={"csrf_token": csrf or "", "note": "again"},
    )
    actions = [(a, r) for a, r, _ in lab.console.audit(ANNA)]
    assert actions.count(("follow_up", "ok")) == 1 and ("follow_up", "refused") in actions
    assert ("pause", "ok") in actions and actions.count(("resend", "ok")) == 2
    await page.goto(lab.console.base_url + pair_url(handle.id))
    assert "At-risk flag followed up by " + ANNA in await page.locator("ol.timeline").inner_text()
    assert SECRET not in await page.content()
    await page.goto(lab.console.base_url + f"/hr/cohorts/{COHORT_A}/pairs")
    assert SECRET not in await page.content()

    # The API says the same, and keeps the note private too.
    token = await lab.console.access_token(ANNA)
    async with httpx.AsyncClient(
        base_url=lab.console.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        pair = await http.get(f"/api/v1/mentorships/{handle.id}")
        assert pair.status_code == 200 and SECRET not in pair.text
        assert pair.json()["pair"]["paused"] is True
        flags = await http.get("/api/v1/at-risk")
        assert SECRET not in flags.text
        assert [r["id"] for r in flags.json()["followed_up"]] == [handle.id]
        assert flags.json()["open"] == []
        listed = await http.get(f"/api/v1/cohorts/{COHORT_A}/pairs")
        assert listed.status_code == 200 and SECRET not in listed.text


async def test_a_manager_of_another_program_is_refused(
    lab: PairConsole, context: BrowserContext
) -> None:
    handle = await pair_at_risk(lab)
    page: Page = await context.new_page()
    await sign_in(page, lab.console, BEN, "/hr")
    for path in (pair_url(handle.id), f"/hr/cohorts/{COHORT_A}/pairs"):
        response = await page.goto(lab.console.base_url + path)
        assert response is not None and response.status == 403, path
        assert "Eli Okafor" not in await page.content()
    token = await lab.console.access_token(BEN)
    async with httpx.AsyncClient(
        base_url=lab.console.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        assert (await http.get(f"/api/v1/mentorships/{handle.id}")).status_code == 403
        assert (await http.get(f"/api/v1/cohorts/{COHORT_A}/pairs")).status_code == 403
        paused = await http.post(f"/api/v1/mentorships/{handle.id}/pause", json={})
        assert paused.status_code == 403
        assert (await http.get("/api/v1/at-risk")).json() == {"open": [], "followed_up": []}
    assert not (await snapshot(handle)).paused
    # Anna's form without its CSRF token changes nothing either.
    anna = await context.browser.new_context(java_script_enabled=False)  # type: ignore[union-attr]
    anna_page = await anna.new_page()
    await sign_in(anna_page, lab.console, ANNA, pair_url(handle.id))
    refused = await anna_page.request.post(
        lab.console.base_url + pair_url(handle.id) + "/pause", form={"note": "x"}
    )
    assert refused.status == 403 and not (await snapshot(handle)).paused
    await anna.close()


async def test_what_the_pair_wrote_shows_only_when_the_program_allows(
    lab: PairConsole, context: BrowserContext
) -> None:
    handle = await lab.env.client.start_workflow(
        MentorshipWorkflow.run,
        MentorshipInput(cohort=COHORT_OPEN_BOOK, program=PROGRAM, mentor=MINA, mentee=MENTEE),
        id=f"mentorship:{COHORT_OPEN_BOOK}:{MINA.employee_id}:{MENTEE.employee_id}",
        task_queue=lab.task_queue,
    )
    await introduce_with(handle)
    await drive(
        lab,
        handle,
        lambda s: (
            any(MENTEE.employee_id in v.answered_by for v in s.checkins) and not s.steps_in_flight
        ),
    )
    page = await context.new_page()
    await sign_in(page, lab.console, ANNA, pair_url(handle.id))
    assert SECRET in await page.locator("ol.timeline").inner_text()
    token = await lab.console.access_token(ANNA)
    async with httpx.AsyncClient(
        base_url=lab.console.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        assert SECRET in (await http.get(f"/api/v1/mentorships/{handle.id}")).text


async def introduce_with(handle) -> None:  # type: ignore[no-untyped-def]
    """``introduce`` for a pair whose mentor is Mina, not the default mentor."""
    for person in (MINA, MENTEE):
        await handle.execute_update(
            MentorshipWorkflow.confirm_introduction,
            IntroductionAnswer(by=person.employee_id, accept=True),
        )
    await agree_goals_with(handle)


async def agree_goals_with(handle) -> None:  # type: ignore[no-untyped-def]
    await eventually(handle, lambda s: s.phase == "goals")
    await handle.execute_update(
        MentorshipWorkflow.propose_goals, GoalProposal(by=MENTEE.employee_id, goals=goals_for())
    )
    await handle.execute_update(
        MentorshipWorkflow.review_goals, GoalReview(by=MINA.employee_id, agree=True)
    )
    await eventually(handle, lambda s: s.phase == "checkins")
