"""A participant's check-in in a real browser: the app served by uvicorn, headless
Chromium through Playwright, the real MentorshipWorkflow behind it.

The form is filled and sent with JavaScript switched off, as some corporate
phones and mail apps do: the pages must work as plain HTML forms.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.links import LinkSigner, link_id
from mentorflow.models import LinkSpec, Participant
from mentorflow.settings import Settings
from mentorflow.web import create_app
from tests.conftest import SmtpServer, free_port
from tests.support.pairs import (
    MENTEE,
    MENTOR,
    SIX_MONTHS_BIWEEKLY,
    agree_goals,
    eventually,
    introduce,
    settings_for,
    snapshot,
    start_pair,
    worker_for,
)
from tests.support.web import serving

PHONE = {"width": 390, "height": 844}
SCREENSHOT = Path("/tmp/mentorflow-checkin-phone.png")


@pytest.fixture
async def served(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Settings]:
    """Worker and web app (uvicorn, on the test's event loop so that it shares
    the Temporal client) for one test; yields settings whose base_url is live."""
    port = free_port()
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port).model_copy(
        update={"base_url": f"http://127.0.0.1:{port}"}
    )
    app = create_app(settings, client=time_skipping_env.client)
    async with worker_for(time_skipping_env.client, settings, task_queue), serving(app, port):
        yield settings


def checkin_url(settings: Settings, handle: WorkflowHandle, person: Participant) -> str:
    spec = LinkSpec(
        name="checkin",
        purpose="checkin",
        participant_id=person.employee_id,
        ref="1",
        expires_at=datetime.now(UTC) + timedelta(days=7),
    )
    signer = LinkSigner(settings.resolved_secret_key, settings.link_max_age)
    return signer.url(settings.base_url, spec, handle.id, link_id(str(uuid.uuid4()), spec.name))


async def test_checkin_answered_in_chromium_without_javascript(
    served: Settings, browser: Browser, time_skipping_env: WorkflowEnvironment, task_queue: str
) -> None:
    cohort = f"web-{uuid.uuid4().hex[:8]}"
    handle = await start_pair(time_skipping_env.client, task_queue, SIX_MONTHS_BIWEEKLY, cohort)
    await answer_checkin_in_chromium(handle, served, browser, time_skipping_env)


async def answer_checkin_in_chromium(
    handle: WorkflowHandle, served: Settings, browser: Browser, env: WorkflowEnvironment
) -> None:
    await introduce(handle)
    await agree_goals(handle)
    await env.sleep(timedelta(days=15))
    await eventually(handle, lambda s: any(MENTEE.employee_id in c.open_for for c in s.checkins))

    # Phone layout: one column, nothing wider than the screen.
    looking = await browser.new_page(viewport=PHONE)
    await looking.goto(checkin_url(served, handle, MENTOR))
    assert await looking.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    tap_heights = await looking.locator("label.choice, button.button").evaluate_all(
        "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert tap_heights and min(tap_heights) >= 44
    await looking.close()

    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    response = await page.goto(checkin_url(served, handle, MENTEE))
    assert response is not None and response.status == 200
    assert await page.get_by_role("heading", level=1).inner_text() == "Check-in 1 with Maria"
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    await page.get_by_label("Yes, we met").check()
    await page.get_by_role("group", name=re.compile("How valuable")).get_by_label("4").check()
    await (
        page.get_by_role("group", name=re.compile("Shadow two reviews"))
        .get_by_label("Done")
        .check()
    )
    await page.get_by_label("Wins and victories to celebrate").fill("Ran my first design review")
    await page.get_by_label("Introductions made").fill("Met Sam from product")
    await page.get_by_role("button", name="Send my check-in").click()

    await page.get_by_role("heading", name="Thank you, Eli!").wait_for()
    assert "check-in is recorded" in await page.inner_text("main")
    snap = await snapshot(handle)
    first = next(c for c in snap.checkins if c.number == 1)
    assert first.answered_by == [MENTEE.employee_id]
    assert snap.goals[0].milestones[0].status == "done"
    await context.close()
