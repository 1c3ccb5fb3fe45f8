"""End to end on the Temporal dev server: the worker, the web app over HTTP
and a real SMTP server. Both people act only by following the links in the
mail they received, as they would from their inbox."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import MentorshipInput, Outcome, ProgramSettings
from mentorflow.settings import Settings
from mentorflow.store.db import make_engine
from mentorflow.store.schema import CheckInResponse, Mentorship
from mentorflow.web.app import create_app
from tests.conftest import SmtpServer, free_port
from tests.support.pairs import MENTEE, MENTOR, PM, eventually, snapshot
from tests.support.web import serving
from worker.main import running_worker
from workflows.mentorship import MentorshipWorkflow

# Seconds instead of weeks: the same code the demo runs.
PROGRAM = ProgramSettings(
    program_name="Engineering Mentoring",
    program_manager_email=PM,
    cadence="PT6S",
    checkin_window="PT6S",
    duration="PT18S",
    introduction_timeout="PT2M",
    goals_timeout="PT2M",
    survey_window="PT1M",
)


def link_in(mail: EmailMessage, purpose: str) -> str:
    text = mail.get_body(("plain",)).get_content()
    found = re.search(rf"https?://\S+/l/{purpose}/\S+", text)
    assert found, f"no {purpose} link in {mail['Subject']!r}"
    return found.group(0)


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


@pytest.fixture
async def web(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Settings]:
    port = free_port()
    settings = Settings(
        var_dir=tmp_path,
        database_url=sqlite_url,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        secret_key="e2e-secret",
        base_url=f"http://127.0.0.1:{port}",
        temporal_task_queue=task_queue,
    )
    app = create_app(settings, dev_env.client)
    async with serving(app, port), running_worker(dev_env.client, settings, task_queue=task_queue):
        yield settings


async def test_a_pair_lives_through_its_mail(
    dev_env: WorkflowEnvironment, smtp_server: SmtpServer, web: Settings, sqlite_url: str
) -> None:
    mail = smtp_server.recorder
    pair = MentorshipInput(
        cohort=web.temporal_task_queue, program=PROGRAM, mentor=MENTOR, mentee=MENTEE
    )
    handle = await dev_env.client.start_workflow(
        MentorshipWorkflow.run, pair, id=pair.workflow_id, task_queue=web.temporal_task_queue
    )
    async with httpx.AsyncClient(timeout=15) as browser:

        async def follow(message: EmailMessage, purpose: str, form: dict[str, str]) -> str:
            url = link_in(message, purpose)
            page = await browser.get(url)
            assert page.status_code == 200, page.text
            answered = await browser.post(url, data={**hidden_fields(page.text), **form})
            assert answered.status_code == 200, answered.text
            return answered.text

        # Introduction: both confirm from the email.
        for person in (MENTOR, MENTEE):
            intro = await mail.wait_for(lambda m, p=person: p.email in str(m["To"]))
            await follow(intro, "introduction", {"decision": "accept"})
        # Goals: the mentee proposes from the email, the mentor agrees from theirs.
        request = await mail.wait_for(lambda m: "/l/goals/" in m.get_body(("plain",)).get_content())
        await follow(
            request,
            "goals",
            {
                "goal_0_title": "Lead a design review",
                "goal_0_description": "Own the payments redesign review",
                "goal_0_m0_title": "Shadow two reviews",
                "goal_0_m0_date": "2027-02-01",
            },
        )
        review = await mail.wait_for(lambda m: "/l/review/" in m.get_body(("plain",)).get_content())
        await follow(review, "review", {"decision": "agree"})
        # The first check-in arrives; the mentee answers it from the email.
        checkin = await mail.wait_for(
            lambda m: (
                MENTEE.email in str(m["To"])
                and "/l/checkin/" in m.get_body(("plain",)).get_content()
            ),
            within=30,
        )
        assert "Lead a design review" in checkin.get_body(("plain",)).get_content()
        page = await browser.get(link_in(checkin, "checkin"))
        assert "Shadow two reviews" in page.text  # the form shows the pair's milestones
        thanks = await follow(
            checkin,
            "checkin",
            {
                "met": "yes",
                "value": "5",
                "m_0_0": "done",
                "wins": "Shipped the RFC",
                "challenges": "Time",
                "upcoming_decisions": "Join the platform team?",
                "introductions": "Sam from product",
            },
        )
        assert "thank you" in thanks.lower()
        snap = await eventually(handle, lambda s: MENTEE.employee_id in s.checkins[0].answered_by)
        assert snap.goals[0].milestones[0].status == "done"
        # The same link again changes nothing and says so.
        again = await browser.post(link_in(checkin, "checkin"), data={"met": "no"})
        assert again.status_code == 409
        # The mentor ends the mentorship early from the manage link of their mail.
        mentor_checkin = await mail.wait_for(
            lambda m: (
                MENTOR.email in str(m["To"])
                and "/l/checkin/" in m.get_body(("plain",)).get_content()
            ),
            within=30,
        )
        await follow(mentor_checkin, "end", {"action": "end", "reason": "Changing teams"})
    result = await asyncio.wait_for(handle.result(), timeout=30)
    assert result.outcome == Outcome.ENDED_EARLY
    # The answer is in the system of record, exactly once.
    engine = make_engine(sqlite_url)
    try:
        with engine.connect() as conn:
            answers = conn.execute(select(CheckInResponse)).all()
            (row,) = conn.execute(select(Mentorship)).all()
    finally:
        engine.dispose()
    assert [(a.participant_id, a.met, a.wins) for a in answers] == [
        (MENTEE.employee_id, "yes", "Shipped the RFC")
    ]
    assert row.outcome == "ended_early"
    assert (await snapshot(handle)).outcome == Outcome.ENDED_EARLY
