"""A response window opens when its email has actually gone out: an SMTP
outage longer than the window delays the window, it never uses it up. On the
time-skipping server with the real activities, SMTP server and store."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.links import LinkSigner
from mentorflow.models import CheckInAnswer, MeetingStatus, Outcome, Participant
from tests.conftest import SmtpServer
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
from workflows.mentorship import MentorshipWorkflow

INTRODUCTION = timedelta(minutes=10)
CHECKIN = timedelta(minutes=20)
PROGRAM = SIX_MONTHS_BIWEEKLY.model_copy(update={"introduction_timeout": INTRODUCTION})
OUTAGE_REPLY = "421 4.3.2 Service not available, closing transmission channel"


@pytest.fixture
async def env(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[tuple[WorkflowEnvironment, str]]:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(time_skipping_env.client, settings, task_queue):
        yield time_skipping_env, task_queue


def link_expiry(text: str, purpose: str) -> datetime:
    [token] = re.findall(rf"/l/{purpose}/([^\s\"<]+)", text)[:1]
    return LinkSigner("test-secret").verify(purpose, token, now=0).expires_at


async def introduction_to(smtp: SmtpServer, person: Participant) -> str:
    mail = await smtp.recorder.wait_for(
        lambda m: person.email in str(m["To"]) and "/l/introduction/" in str(m.get_body(("plain",)))
    )
    return mail.get_body(("plain",)).get_content()


async def test_an_outage_longer_than_the_introduction_window_leaves_the_window_whole(
    env: tuple[WorkflowEnvironment, str], smtp_server: SmtpServer
) -> None:
    time_skipping, task_queue = env
    smtp_server.recorder.outage = OUTAGE_REPLY
    handle: WorkflowHandle = await start_pair(time_skipping.client, task_queue, PROGRAM)
    # Twice the window with the server refusing every message (the activity
    # retries with backoff), then it recovers.
    await time_skipping.sleep(2 * INTRODUCTION)
    assert smtp_server.recorder.refused >= 3 and not smtp_server.recorder.messages
    smtp_server.recorder.outage = None
    while len(smtp_server.recorder.messages) < 2:  # the next retries deliver
        await time_skipping.sleep(timedelta(minutes=1))
    delivered = await time_skipping.get_current_time()

    snap = await eventually(handle, lambda s: s.next_event_at is not None)
    assert snap.outcome is None and snap.phase == "introduction"
    # The reminder is due half a window after the mail went out, the end a
    # whole window after; the link in the mail lasts as long as the window.
    assert snap.next_event_at is not None
    assert snap.next_event_at >= delivered + INTRODUCTION / 2 - timedelta(minutes=1)
    for person in (MENTOR, MENTEE):
        mail = await introduction_to(smtp_server, person)
        expires = link_expiry(mail, "introduction")
        assert expires >= delivered + INTRODUCTION - timedelta(minutes=1)
    await introduce(handle)
    snap = await eventually(handle, lambda s: s.phase == "goals")
    assert snap.outcome is None
    assert (await snapshot(handle)).outcome != Outcome.NOT_STARTED


HOURLY = SIX_MONTHS_BIWEEKLY.model_copy(
    update={"cadence": "PT1H", "duration": timedelta(hours=3), "checkin_window": CHECKIN}
)


async def test_an_outage_on_check_in_day_leaves_each_check_in_window_whole(
    env: tuple[WorkflowEnvironment, str], smtp_server: SmtpServer
) -> None:
    time_skipping, task_queue = env
    handle = await start_pair(time_skipping.client, task_queue, HOURLY)
    await introduce(handle)
    await agree_goals(handle)
    planned = (await eventually(handle, lambda s: bool(s.checkins))).checkins[0]
    smtp_server.recorder.outage = OUTAGE_REPLY
    now = await time_skipping.get_current_time()
    # The check-in falls due during an outage twice its window long.
    await time_skipping.sleep(planned.opens[MENTEE.employee_id] - now + 2 * CHECKIN)
    assert smtp_server.recorder.refused >= 3
    smtp_server.recorder.outage = None
    while not any("Check-in 1" in str(m["Subject"]) for m in smtp_server.recorder.to(MENTEE.email)):
        await time_skipping.sleep(timedelta(minutes=1))
    delivered = await time_skipping.get_current_time()

    snap = await eventually(handle, lambda s: MENTEE.employee_id in s.checkins[0].open_for)
    assert snap.checkins[0].closes[MENTEE.employee_id] >= delivered + CHECKIN - timedelta(minutes=1)
    await handle.execute_update(
        MentorshipWorkflow.answer_checkin,
        CheckInAnswer(by=MENTEE.employee_id, number=1, met=MeetingStatus.YES),
    )
