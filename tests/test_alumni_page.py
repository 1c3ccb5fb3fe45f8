"""The alumni invitation page from the link in the real email: the app served
by uvicorn, headless Chromium (JavaScript off, phone size), the real
AlumniInvitationWorkflow and ApplicationWorkflow behind it on the
time-skipping server."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser
from temporalio.testing import WorkflowEnvironment

from mentorflow.alumni.models import InvitationAnswer, alumni_workflow_id
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus, InvitationStatus
from mentorflow.links import LinkSigner, link_id
from mentorflow.models import LinkSpec, WouldMentor
from mentorflow.web import create_app
from mentorflow.web.participant.alumni import parse_answer
from mentorflow.web.participant.forms import FormError
from tests.conftest import SmtpServer, free_port
from tests.support.applications import text_of, used_links
from tests.support.form_limits import plain_limits
from tests.support.pairs import settings_for, worker_for
from tests.support.web import serving
from tests.test_alumni_selection import GRADUATED, add_cohort, add_directory, graduate, program
from tests.test_alumni_selection import transaction as store
from tests.test_alumni_workflow import GIL_AND_HIS_MENTOR, NEXT, Alumni, application_status

PHONE = {"width": 390, "height": 844}
SCREENSHOT = Path("/tmp/mentorflow-alumni-phone.png")


@pytest.fixture
async def site(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Alumni]:
    """G1 graduated and said they would mentor; the next cohort is open;
    worker and web app (uvicorn, on the test's loop) are up."""
    with store(sqlite_url) as session:
        add_directory(session)
        add_cohort(session, GRADUATED, program())
        add_cohort(session, NEXT, program(), status=CohortStatus.OPEN)
        graduate(
            session,
            GRADUATED,
            "G1",
            would_mentor=WouldMentor.YES,
            mean_value=4.5,
            expertise="Kubernetes, incident reviews",
            languages=("English", "Portuguese"),
        )
    port = free_port()
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port).model_copy(
        update={"base_url": f"http://127.0.0.1:{port}"}
    )
    app = create_app(settings, client=time_skipping_env.client)
    async with worker_for(time_skipping_env.client, settings, task_queue), serving(app, port):
        yield Alumni(time_skipping_env, settings, smtp_server, sqlite_url, task_queue)


def alumni_link(site: Alumni, mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(rf"{re.escape(site.settings.base_url)}/l/alumni/\S+", body.get_content())
    assert found, body.get_content()
    return found.group(0)


async def invitation_link(site: Alumni) -> str:
    assert await site.invite() == GIL_AND_HIS_MENTOR
    return alumni_link(site, await site.mail("Pay it forward"))


async def test_the_alumnus_accepts_on_a_phone_without_javascript(
    site: Alumni, browser: Browser
) -> None:
    url = await invitation_link(site)
    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    response = await page.goto(url)
    assert response is not None and response.status == 200
    heading = await page.get_by_role("heading", level=1).inner_text()
    assert heading == "Will you mentor in the next cohort of Engineering Mentoring?"
    shown = await page.inner_text("main")
    assert "you graduated from Engineering Mentoring (2026-spring)" in shown
    assert "In your final survey you said you would like to mentor others." in shown
    assert "What mentoring asks" in shown
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Prefilled from the invitation: the program's default and their mentee application.
    capacity = page.get_by_label("How many mentees can you take on?")
    assert await capacity.input_value() == "2"
    expertise = page.get_by_label("What can you help with?")
    assert await expertise.input_value() == "Kubernetes, incident reviews"
    languages = page.get_by_label("Languages you can mentor in")
    assert await languages.input_value() == "English, Portuguese"
    await page.screenshot(path=str(SCREENSHOT), full_page=True)

    await page.get_by_label("Yes, I will mentor in the next cohort").check()
    await capacity.fill("1")
    await expertise.fill("Kubernetes, incident reviews, moving into SRE")
    await page.get_by_role("button", name="Send my answer").click()
    await page.get_by_role("heading", name="Thank you, Gil!").wait_for()
    assert f"Your mentor application to {NEXT} is in, already approved" in await page.inner_text(
        "main"
    )
    application = await application_status(site)
    assert application.status is ApplicationStatus.APPROVED
    assert (await site.result()).status is InvitationStatus.ACCEPTED
    assert used_links(site.db_url) == [("alumni", "G1", "used")]

    # The same link again: spent, and a friendly page says so.
    again = await page.goto(url)
    assert again is not None and again.status == 409
    assert "This link has already been used" in await page.inner_text("main")
    # A tampered token: a friendly page, nothing acts.
    head, token = url.rsplit("/", 1)
    i = len(token) // 2
    bad = await page.goto(f"{head}/{token[:i]}{'A' if token[i] != 'A' else 'B'}{token[i + 1 :]}")
    assert bad is not None and bad.status == 400
    assert "This link does not work" in await page.inner_text("main")
    await context.close()


async def test_the_browser_refuses_a_capacity_out_of_range(site: Alumni, browser: Browser) -> None:
    url = await invitation_link(site)
    async with httpx.AsyncClient() as http:
        served = await http.get(url)
    capacity = plain_limits(served.text)["capacity"]
    assert (capacity["min"], capacity["max"]) == ("1", "10")

    page = await browser.new_page(viewport=PHONE)
    await page.goto(url)
    field = page.get_by_label("How many mentees can you take on?")
    for typed, valid in (("11", False), ("0", False), ("10", True), ("1", True)):
        await field.fill(typed)
        assert await field.evaluate("input => input.checkValidity()") is valid, typed
    await page.close()


async def test_form_problems_keep_the_link_and_a_decline_is_taken(site: Alumni) -> None:
    url = await invitation_link(site)
    async with httpx.AsyncClient() as http:
        missing = await http.post(url, data={"decision": "accept", "capacity": "12"})
        assert missing.status_code == 422
        shown = text_of(missing)
        assert "Please enter a whole number between 1 and 10" in shown
        assert "Please tell us what you can help with" in shown
        assert used_links(site.db_url) == []  # released: the link still works
        assert (await site.status()).status is InvitationStatus.INVITED

        done = await http.post(url, data={"decision": "decline", "reason": "New role"})
        assert done.status_code == 200, done.text
        assert "We will not ask you again before" in text_of(done)
        assert (await site.result()).status is InvitationStatus.DECLINED

        # Another genuine link (the reminder's, say): the invitation is answered.
        other = await http.get(minted(site, "G1"))
        assert other.status_code == 409
        assert "You have already declined this invitation" in text_of(other)


async def test_a_link_for_someone_else_is_refused(site: Alumni) -> None:
    await invitation_link(site)
    wrong = minted(site, "M1")  # genuine, but not for the invitee
    async with httpx.AsyncClient() as http:
        page = await http.get(wrong)
        assert page.status_code == 403 and "for someone else" in text_of(page)
        refused = await http.post(wrong, data={"decision": "decline"})
        assert refused.status_code == 409
        assert "Only the person invited" in text_of(refused)
    assert used_links(site.db_url) == []
    assert (await site.status()).status is InvitationStatus.INVITED


def minted(site: Alumni, participant_id: str) -> str:
    """A genuine link to G1's invitation, as the email activity would mint it."""
    spec = LinkSpec(
        name="alumni",
        purpose="alumni",
        participant_id=participant_id,
        expires_at=datetime.now(UTC) + timedelta(days=3),
    )
    signer = LinkSigner(site.settings.resolved_secret_key, site.settings.link_max_age)
    workflow_id = alumni_workflow_id("G1", GRADUATED)
    jti = link_id(f"{workflow_id}:minted", participant_id)
    return signer.url(site.settings.base_url, spec, workflow_id, jti)


def test_the_form_becomes_the_answer() -> None:
    accepted = parse_answer(
        {
            "decision": "accept",
            "capacity": "3",
            "expertise": " Pricing ",
            "languages": "English; german, english",
            "reason": "ignored when accepting",
        },
        "G1",
    )
    assert accepted == InvitationAnswer(
        by="G1", accept=True, capacity=3, expertise="Pricing", languages=["English", "german"]
    )
    declined = parse_answer({"decision": "decline", "expertise": "ignored"}, "G1")
    assert declined == InvitationAnswer(by="G1", accept=False)
    with pytest.raises(FormError) as problems:
        parse_answer({}, "G1")
    assert problems.value.errors == {"decision": "Please accept or decline."}
