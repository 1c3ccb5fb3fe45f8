"""The manager's approval page and the applicant's withdraw page, from the
links in the real emails, against the real ApplicationWorkflow on the
time-skipping server with the real activities (mail to aiosmtpd, SQLite)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from mentorflow.applications.models import (
    ApplicationDetails,
    ApplicationSnapshot,
    ManagerDecision,
    application_workflow_id,
)
from mentorflow.applications.start import SubmitOutcome, application_input, submit_application
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.links import LinkSigner, link_id
from mentorflow.models import LinkSpec, Role
from tests.conftest import SmtpServer
from tests.support.applications import (
    COHORT,
    Office,
    link_in,
    office,
    prepare_store,
    program,
    settings_with_queue,
    stored_applications,
    text_of,
    used_links,
)

MENTEE = ApplicationDetails(
    roles=[Role.MENTEE],
    goals="Lead a design review of the payments platform",
    expertise="",
    languages=["English"],
)


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Office]:
    prepare_store(sqlite_url, program(approval=True))
    settings = settings_with_queue(tmp_path, sqlite_url, smtp_server, task_queue)
    async with office(time_skipping_env.client, settings, smtp_server) as site:
        yield site


async def apply(site: Office, employee_id: str = "A1") -> None:
    result = await submit_application(
        site.client,
        site.settings.temporal_task_queue,
        application_input(COHORT, program(approval=True), employee_id),
        MENTEE,
    )
    assert result.outcome is SubmitOutcome.SUBMITTED


async def status(site: Office, employee_id: str = "A1") -> ApplicationSnapshot:
    handle = site.client.get_workflow_handle(application_workflow_id(COHORT, employee_id))
    return await handle.query("status", result_type=ApplicationSnapshot)


async def settles(
    site: Office, predicate: Callable[[ApplicationSnapshot], bool], within: float = 15.0
) -> ApplicationSnapshot:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        snap = await status(site)
        if predicate(snap):
            return snap
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached: {snap}")
        await asyncio.sleep(0.05)


async def approval_link(site: Office) -> str:
    await apply(site)
    ask = await site.smtp.recorder.wait_for(lambda m: "mona.manager" in str(m["To"]))
    return link_in(ask, "/l/approval/")


def minted(site: Office, purpose: str, participant_id: str) -> str:
    """A genuine link for this application, as the email activity would mint it."""
    spec = LinkSpec(
        name="test",
        purpose=purpose,  # type: ignore[arg-type]
        participant_id=participant_id,
        expires_at=datetime.now(UTC) + timedelta(days=3),
    )
    signer = LinkSigner(site.settings.resolved_secret_key, site.settings.link_max_age)
    workflow_id = application_workflow_id(COHORT, "A1")
    token = signer.sign(spec, workflow_id, link_id(f"{workflow_id}:{purpose}", participant_id))
    return f"/l/{purpose}/{token}"


# --------------------------------------------------------------------------- approval


async def test_the_manager_approves_from_the_email(desk: Office) -> None:
    link = await approval_link(desk)
    page = await desk.http.get(link)
    assert page.status_code == 200, page.text
    shown = text_of(page)
    assert "Ana Applicant applied to Engineering Mentoring" in shown
    assert "Engineer, Platform" in shown and "Lead a design review" in shown
    assert page.headers["cache-control"] == "no-store"

    done = await desk.http.post(link, data={"decision": "approve"})
    assert done.status_code == 200, done.text
    assert "Thank you for your approval" in text_of(done)
    await settles(desk, lambda s: s.status is ApplicationStatus.APPROVED)
    assert used_links(desk.db_url) == [("approval", "M1", "used")]
    # The same link again: spent, and the workflow took one decision.
    again = await desk.http.post(link, data={"decision": "decline"})
    assert again.status_code == 409 and "already been used" in text_of(again)
    assert (await status(desk)).status is ApplicationStatus.APPROVED


async def test_the_manager_declines_with_a_reason(desk: Office) -> None:
    link = await approval_link(desk)
    missing = await desk.http.post(link, data={"reason": "Busy quarter"})
    assert missing.status_code == 422
    assert "Please approve or decline" in text_of(missing)
    assert used_links(desk.db_url) == []  # released: the link still works

    done = await desk.http.post(link, data={"decision": "decline", "reason": "Busy quarter"})
    assert done.status_code == 200, done.text
    snap = await settles(desk, lambda s: s.status is ApplicationStatus.REJECTED)
    assert snap.reason == "Busy quarter"
    told = await desk.smtp.recorder.wait_for(
        lambda m: "ana.applicant" in str(m["To"]) and "Busy quarter" in str(m.get_body(("plain",)))
    )
    assert told is not None
    assert ("A1", "mentee", "rejected", "csv") in stored_applications(desk.db_url)


async def test_someone_else_than_the_manager_cannot_decide(desk: Office) -> None:
    await approval_link(desk)
    wrong = minted(desk, "approval", "B2")  # a genuine link, for the wrong person
    page = await desk.http.get(wrong)
    assert page.status_code == 403
    assert "for the applicant's manager only" in text_of(page)
    refused = await desk.http.post(wrong, data={"decision": "approve"})
    assert refused.status_code == 409
    assert "Only the applicant's manager can decide" in text_of(refused)
    assert used_links(desk.db_url) == []
    assert (await status(desk)).status is ApplicationStatus.AWAITING_MANAGER


async def test_a_closed_window_changes_nothing(desk: Office) -> None:
    link = await approval_link(desk)
    handle = desk.client.get_workflow_handle(application_workflow_id(COHORT, "A1"))
    await handle.execute_update("manager_decision", ManagerDecision(by="M1", approve=True))
    await settles(desk, lambda s: s.status is ApplicationStatus.APPROVED)
    page = await desk.http.get(link)
    assert page.status_code == 409
    assert "no longer waiting for a decision" in text_of(page)
    late = await desk.http.post(link, data={"decision": "decline"})
    assert late.status_code == 409
    assert used_links(desk.db_url) == []
    assert (await status(desk)).status is ApplicationStatus.APPROVED


async def test_a_tampered_link_is_refused(desk: Office) -> None:
    link = await approval_link(desk)
    head, token = link.rsplit("/", 1)
    i = len(token) // 3
    bad = f"{head}/{token[:i]}{'A' if token[i] != 'A' else 'B'}{token[i + 1 :]}"
    for response in (
        await desk.http.get(bad),
        await desk.http.post(bad, data={"decision": "approve"}),
    ):
        assert response.status_code == 400
        assert "This link does not work" in text_of(response)
    # An approval token does not open the withdraw page either.
    assert (await desk.http.get(f"/l/withdraw/{token}")).status_code == 400
    assert (await status(desk)).status is ApplicationStatus.AWAITING_MANAGER


# --------------------------------------------------------------------------- withdraw


async def test_the_applicant_withdraws_from_the_email(desk: Office) -> None:
    await apply(desk)
    received = await desk.smtp.recorder.wait_for(
        lambda m: "We have your application" in str(m["Subject"])
    )
    link = link_in(received, "/l/withdraw/")
    # The confirmation goes out just before the manager is asked: the page
    # shows where the application is once it has moved on.
    await settles(desk, lambda s: s.status is ApplicationStatus.AWAITING_MANAGER)
    page = await desk.http.get(link)
    assert page.status_code == 200, page.text
    assert "Withdraw from Engineering Mentoring?" in text_of(page)
    assert "Waiting for your manager's approval" in text_of(page)

    done = await desk.http.post(link, data={"reason": "New role"})
    assert done.status_code == 200, done.text
    assert "Your application is withdrawn" in text_of(done)
    snap = await settles(desk, lambda s: s.status is ApplicationStatus.WITHDRAWN)
    assert snap.reason == "New role"
    assert used_links(desk.db_url) == [("withdraw", "A1", "used")]
    # Another genuine withdraw link (say, from a later email) has nothing left
    # to do once the application's workflow has finished (its last email sent).
    await desk.client.get_workflow_handle(application_workflow_id(COHORT, "A1")).result()
    other = minted(desk, "withdraw", "A1")
    page = await desk.http.get(other)
    assert page.status_code == 409 and "already withdrawn" in text_of(page)
    refused = await desk.http.post(other, data={})
    assert refused.status_code == 410
    assert "no longer running" in text_of(refused)
    assert used_links(desk.db_url) == [("withdraw", "A1", "used")]


async def test_only_the_applicant_can_withdraw(desk: Office) -> None:
    await apply(desk)
    wrong = minted(desk, "withdraw", "M1")
    page = await desk.http.get(wrong)
    assert page.status_code == 403
    refused = await desk.http.post(wrong, data={})
    assert refused.status_code == 409
    assert "Only the applicant or HR" in text_of(refused)
    assert (await status(desk)).status is not ApplicationStatus.WITHDRAWN
