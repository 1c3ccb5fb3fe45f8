"""The check-in invitation (.ics) a pair gets with its agreed goals, parsed
with icalendar the way a calendar client reads it: 09:00 in each person's own
zone, updated after a pause, cancelled when the pair ends early. On the
time-skipping server with the real activities, SMTP server and store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from mentorflow.models import EndRequest, Participant, PauseRequest, ResumeRequest
from tests.conftest import SmtpServer
from tests.support.pairs import (
    MENTEE,
    MENTOR,
    SIX_MONTHS_BIWEEKLY,
    agree_goals,
    eventually,
    introduce,
    settings_for,
    start_pair,
    worker_for,
)
from workflows.mentorship import MentorshipWorkflow

PLANNED = 13  # 182 days, every 14 days


@pytest.fixture
async def pair(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[WorkflowHandle]:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(time_skipping_env.client, settings, task_queue):
        handle = await start_pair(time_skipping_env.client, task_queue, SIX_MONTHS_BIWEEKLY)
        await introduce(handle)
        await agree_goals(handle)
        yield handle


def invitation(mail: EmailMessage) -> tuple[Calendar, Event]:
    [part] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(part.get_content())
    assert part.get_param("method") == str(calendar["METHOD"])
    [event] = calendar.walk("VEVENT")
    return calendar, event


async def mail_to(smtp: SmtpServer, person: Participant, subject_part: str) -> EmailMessage:
    return await smtp.recorder.wait_for(
        lambda m: person.email in str(m["To"]) and subject_part in str(m["Subject"])
    )


def local_start(calendar: Calendar, event: Event, person: Participant) -> datetime:
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == person.timezone
    assert person.timezone in [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    return start


async def test_agreed_goals_invite_each_person_at_nine_in_their_zone(
    pair: WorkflowHandle, smtp_server: SmtpServer
) -> None:
    snap = await eventually(pair, lambda s: bool(s.checkins))
    uids = set()
    for person in (MENTOR, MENTEE):
        calendar, event = invitation(await mail_to(smtp_server, person, "goals are agreed"))
        assert str(calendar["METHOD"]) == "REQUEST"
        start = local_start(calendar, event, person)
        assert start.time() == time(9, 0)
        # The first occurrence is the moment the first check-in really opens.
        assert start == snap.checkins[0].opens[person.employee_id]
        rule = event["RRULE"]
        assert rule["FREQ"] == ["WEEKLY"] and rule["INTERVAL"] == [2]
        assert rule["COUNT"] == [PLANNED]
        assert int(event["SEQUENCE"]) == 0
        assert person.email in str(event["ATTENDEE"])
        uids.add(str(event["UID"]))
    assert len(uids) == 1, "one series per mentorship"


async def test_a_pause_sends_the_moved_check_ins_as_an_update(
    pair: WorkflowHandle, smtp_server: SmtpServer, time_skipping_env: WorkflowEnvironment
) -> None:
    env = time_skipping_env
    before = await eventually(pair, lambda s: bool(s.checkins))
    _, first_invite = invitation(await mail_to(smtp_server, MENTOR, "goals are agreed"))
    await pair.execute_update(
        MentorshipWorkflow.pause, PauseRequest(by=MENTEE.employee_id, reason="Parental leave")
    )
    # A pause that is not a whole number of days: 30 days and 5 hours.
    await env.sleep(timedelta(days=30, hours=5))
    await pair.execute_update(MentorshipWorkflow.resume, ResumeRequest(by="hr"))
    for person in (MENTOR, MENTEE):
        calendar, event = invitation(await mail_to(smtp_server, person, "has resumed"))
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == str(first_invite["UID"])
        assert int(event["SEQUENCE"]) == 1
        start = local_start(calendar, event, person)
        assert start.time() == time(9, 0)
        planned = before.checkins[0].opens[person.employee_id]
        zone = ZoneInfo(person.timezone)
        moved_days = (start.date() - planned.astimezone(zone).date()).days
        assert moved_days in (30, 31)  # the 5 hours may push it into the next day
        assert event["RRULE"]["COUNT"] == [PLANNED]
        # The check-in itself opens when the updated invitation says.
        now = await env.get_current_time()
        await env.sleep(start - now - timedelta(minutes=1))
        await env.sleep(timedelta(minutes=2))
        snap = await eventually(pair, lambda s, p=person: p.employee_id in s.checkins[0].open_for)
        assert abs(snap.checkins[0].opens[person.employee_id] - start) < timedelta(seconds=1)


async def test_an_early_end_cancels_the_series(
    pair: WorkflowHandle, smtp_server: SmtpServer
) -> None:
    _, first_invite = invitation(await mail_to(smtp_server, MENTEE, "goals are agreed"))
    await pair.execute_update(
        MentorshipWorkflow.end_early, EndRequest(by=MENTOR.employee_id, reason="New role")
    )
    await pair.result()
    calendar, event = invitation(await mail_to(smtp_server, MENTEE, "has ended"))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == str(first_invite["UID"])
    assert int(event["SEQUENCE"]) > int(first_invite["SEQUENCE"])
