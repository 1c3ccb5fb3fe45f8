"""Applying on the web: the work email, the magic link by email, the form,
the application recorded by the real ApplicationWorkflow (time-skipping
server, real activities), its status and withdrawal from the same link."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from mentorflow.cohorts.states import CohortStatus
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Application, OutboxMessage
from mentorflow.web.participant.apply_tokens import ApplyLinkSigner
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
)
from tests.support.form_limits import plain_limits

APPLY = f"/apply/{COHORT}"
ANSWERS = {
    "role_mentee": "yes",
    "goals": "Lead a design review and grow into a staff role",
    "interests": "Distributed systems",
    "preferred_cadence": "biweekly",
    "languages": "English, Portuguese; english",
    "mentor_preference_1": "Bo.Builder@example.com",
    "notes": "Mornings suit me best.",
}


@pytest.fixture
async def site(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Office]:
    prepare_store(sqlite_url, program())
    settings = settings_with_queue(tmp_path, sqlite_url, smtp_server, task_queue)
    async with office(time_skipping_env.client, settings, smtp_server) as running:
        yield running


async def magic_link(site: Office, typed: str = "ana.applicant@example.com") -> str:
    sent = await site.http.post(APPLY, data={"email": typed})
    assert sent.status_code == 200, sent.text
    mail = await site.smtp.recorder.wait_for(lambda m: "Your link to apply" in str(m["Subject"]))
    return link_in(mail, f"{APPLY}/")


def outbox_keys(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.scalars(select(OutboxMessage.idempotency_key)))
    finally:
        engine.dispose()


async def test_the_page_never_tells_who_works_here(site: Office) -> None:
    form = await site.http.get(APPLY)
    assert form.status_code == 200
    assert 'name="email"' in form.text and "Engineering Mentoring" in text_of(form)

    unknown = await site.http.post(APPLY, data={"email": "nobody@example.com"})
    known = await site.http.post(APPLY, data={"email": "ANA.Applicant@Example.com"})
    assert unknown.status_code == known.status_code == 200
    assert text_of(unknown) == text_of(known)
    assert "If this address is in the employee directory" in text_of(known)

    await site.smtp.recorder.wait_for(lambda m: "ana.applicant" in str(m["To"]))
    await asyncio.sleep(0.2)
    assert [str(m["To"]) for m in site.smtp.recorder.messages] == [
        "Ana Applicant <ana.applicant@example.com>"
    ]
    # Asking again within the hour sends nothing more: one outbox row per hour.
    await site.http.post(APPLY, data={"email": "ana.applicant@example.com"})
    await asyncio.sleep(0.2)
    assert len(site.smtp.recorder.messages) == 1
    assert [k.rsplit(":", 1)[0] for k in outbox_keys(site.db_url)] == ["apply:A1"]


async def test_a_malformed_email_is_asked_again(site: Office) -> None:
    response = await site.http.post(APPLY, data={"email": "not an address"})
    assert response.status_code == 422
    assert "Please enter your work email address" in text_of(response)
    assert 'value="not an address"' in response.text


async def test_from_magic_link_to_a_recorded_application(site: Office) -> None:
    link = await magic_link(site)
    form = await site.http.get(link)
    assert form.status_code == 200, form.text
    assert "Hi Ana" in text_of(form)
    assert form.headers["cache-control"] == "no-store"

    nothing = await site.http.post(link, data={"role_mentor": "yes"})
    assert nothing.status_code == 422
    problems = text_of(nothing)
    assert "How many mentees can you take on?" in problems
    assert "Please tell us what you can help with." in problems

    unknown = await site.http.post(link, data={**ANSWERS, "mentor_preference_1": "E404"})
    assert unknown.status_code == 422
    assert "We cannot find E404 in the directory" in text_of(unknown)
    assert 'value="E404"' in unknown.text  # what was typed is kept

    done = await site.http.post(link, data=ANSWERS)
    assert done.status_code == 200, done.text
    assert "Thank you: your application is in." in text_of(done)
    assert "Withdraw my application" in done.text

    deadline = time.monotonic() + 15
    while ("A1", "mentee", "approved", "web") not in stored_applications(site.db_url):
        assert time.monotonic() < deadline, stored_applications(site.db_url)
        await asyncio.sleep(0.05)
    engine = make_engine(site.db_url)
    with make_sessionmaker(engine)() as session:
        row = session.scalars(select(Application)).one()
        assert row.mentor_preferences == ["B2"]
        assert row.languages == ["English", "Portuguese"]
        assert row.preferred_cadence == "biweekly"
    engine.dispose()

    # The same link later: the status, and the way out while it is open.
    again = await site.http.get(link)
    assert again.status_code == 200
    assert "In the matching pool" in text_of(again)
    twice = await site.http.post(link, data=ANSWERS)
    assert "already applied" in text_of(twice)
    gone = await site.http.post(f"{link}/withdraw", data={"reason": "Changed teams"})
    assert gone.status_code == 200, gone.text
    assert "Your application is withdrawn" in text_of(gone)
    deadline = time.monotonic() + 15
    while ("A1", "mentee", "withdrawn", "web") not in stored_applications(site.db_url):
        assert time.monotonic() < deadline, stored_applications(site.db_url)
        await asyncio.sleep(0.05)


async def test_the_forms_send_plain_attributes(site: Office) -> None:
    email = plain_limits((await site.http.get(APPLY)).text)["email"]
    assert (email["autocomplete"], email["required"], email["type"]) == (
        "email",
        "required",
        "email",
    )
    form = await site.http.get(await magic_link(site))
    capacity = plain_limits(form.text)["capacity"]
    assert (capacity["min"], capacity["max"], capacity["inputmode"]) == ("1", "10", "numeric")


async def test_links_that_do_not_open_the_form(site: Office) -> None:
    signer = ApplyLinkSigner(site.settings.resolved_secret_key)
    token = signer.sign(COHORT, "A1")
    i = len(token) // 3
    tampered = f"{token[:i]}{'A' if token[i] != 'A' else 'B'}{token[i + 1 :]}"
    assert (await site.http.get(f"{APPLY}/{tampered}")).status_code == 400
    assert (await site.http.post(f"{APPLY}/{tampered}", data=ANSWERS)).status_code == 400
    # A genuine link opens only its own cohort.
    assert (await site.http.get(f"/apply/2027-autumn/{token}")).status_code == 400
    stale = signer.sign(COHORT, "A1", now=time.time() - 25 * 3600)
    expired = await site.http.get(f"{APPLY}/{stale}")
    assert expired.status_code == 410 and "expired" in text_of(expired)
    assert stored_applications(site.db_url) == []


async def test_unknown_and_closed_cohorts(site: Office) -> None:
    missing = await site.http.get("/apply/no-such-cohort")
    assert missing.status_code == 404
    engine = make_engine(site.db_url)
    with make_sessionmaker(engine).begin() as session:
        cohorts.set_cohort_status(session, COHORT, CohortStatus.CLOSED)
    engine.dispose()
    closed = await site.http.post(APPLY, data={"email": "ana.applicant@example.com"})
    assert closed.status_code == 409
    assert "Applications are closed" in text_of(closed)
    await asyncio.sleep(0.1)
    assert site.smtp.recorder.messages == []
