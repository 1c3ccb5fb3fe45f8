"""HR notices go into one digest per program, manager and day: on the dev
server with the real activities, SMTP server and store, a cohort's 24
timed-out introductions are one email to HR, not 24; a second or retried
digest sends nothing more; at-risk alerts stay immediate
(``test_mentorship_lifecycle``).

The 24 pairs run on the dev server with a few seconds' introduction window,
not on the time-skipping server: that server skips past the ten-second
workflow-task timeout of a worker busy with 24 workflows on a small machine,
so the run degrades into retries and timeouts that real time never sees."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.email import EmailActivities
from activities.hr_notices import HrNoticeActivities
from mentorflow.models import MentorshipInput, MentorshipRecord, Outcome, Participant
from mentorflow.notices.models import DigestRequest, HrNoticeRecord, NoticeKind, digest_key
from mentorflow.notices.run import send_digest_now
from mentorflow.store import hr_notices, mentorships
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import HrNotice, OutboxMessage
from tests.conftest import SmtpServer
from tests.support.pairs import PM, SIX_MONTHS_BIWEEKLY, settings_for, worker_for
from workflows.mentorship import MentorshipWorkflow

COHORT = "2027-spring"
PAIRS = 24
QUICK_INTRODUCTION = SIX_MONTHS_BIWEEKLY.model_copy(
    update={"introduction_timeout": timedelta(seconds=3)}
)


def person(role: str, n: int) -> Participant:
    return Participant(
        employee_id=f"{'A' if role == 'mentor' else 'B'}{n:03d}",
        email=f"{role}{n}@example.com",
        name=f"{role.title()} Number{n}",
    )


def hr_mail(smtp: SmtpServer) -> list:
    return smtp.recorder.to(PM)


async def test_a_cohorts_timed_out_introductions_are_one_digest(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    client = dev_env.client
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(client, settings, task_queue):
        pairs = [
            MentorshipInput(
                cohort=COHORT,
                program=QUICK_INTRODUCTION,
                mentor=person("mentor", n),
                mentee=person("mentee", n),
            )
            for n in range(PAIRS)
        ]
        handles = [
            await client.start_workflow(
                MentorshipWorkflow.run, pair, id=pair.workflow_id, task_queue=task_queue
            )
            for pair in pairs
        ]
        # Nobody confirms: every introduction window closes.
        results = await asyncio.gather(*(h.result() for h in handles))
        assert {r.outcome for r in results} == {Outcome.NOT_STARTED}
        assert hr_mail(smtp_server) == [], "no email to HR per pair"

        first = await send_digest_now(client, task_queue)
        second = await send_digest_now(client, task_queue)

    assert [(d.program_name, d.to, d.notices) for d in first.digests] == [
        (SIX_MONTHS_BIWEEKLY.program_name, PM, PAIRS)
    ]
    (mail,) = hr_mail(smtp_server)
    assert f"{PAIRS} HR notices" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    assert f"Mentorships not started: {PAIRS}" in text
    for n in range(PAIRS):
        assert f"Mentor Number{n} (mentor) and Mentee Number{n} (mentee), {COHORT}" in text
    assert text.count("The introduction was not confirmed in time.") == PAIRS
    html = mail.get_body(("html",)).get_content()
    assert f"mentee{PAIRS - 1}@example.com" in html
    # The same day's second run finds the digest sent and sends nothing more.
    assert [(d.notices, d.already_sent) for d in second.digests] == []
    engine = make_engine(sqlite_url)
    try:
        with make_sessionmaker(engine)() as session:
            notices = session.scalars(select(HrNotice)).all()
            assert len(notices) == PAIRS
            assert {n.kind for n in notices} == {NoticeKind.NOT_STARTED.value}
            assert all(n.digested_at is not None for n in notices)
            assert {n.digest_key for n in notices} == {
                digest_key(SIX_MONTHS_BIWEEKLY.program_name, first.day, PM)
            }
    finally:
        engine.dispose()


def notice(n: int, at: datetime) -> HrNoticeRecord:
    return HrNoticeRecord(
        key=f"m{n}:ended",
        kind=NoticeKind.ENDED_EARLY,
        program_name="Engineering Mentoring",
        manager_email=PM,
        cohort=COHORT,
        mentorship_id=f"m{n}",
        mentor_id=person("mentor", n).employee_id,
        mentee_id=person("mentee", n).employee_id,
        subject="Mentorship ended early",
        detail={"reason": f"Reason {n}", "ended_by": "hr"},
        happened_at=at,
    )


def add_notice(sessions, n: int, at: datetime) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        mentorships.record_mentorship_started(
            session,
            MentorshipRecord(
                mentorship_id=f"m{n}",
                cohort=COHORT,
                program=QUICK_INTRODUCTION,
                mentor=person("mentor", n),
                mentee=person("mentee", n),
                started_at=at - timedelta(days=30),
            ),
        )
        assert hr_notices.record_notice(session, notice(n, at))
        assert not hr_notices.record_notice(session, notice(n, at)), "a retry records once"


async def test_a_retried_digest_sends_nothing_more_and_later_notices_wait(
    smtp_server: SmtpServer, db_url: str, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, db_url, smtp_server.port)
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    email = EmailActivities(settings, sessions)
    digest = HrNoticeActivities(sessions, email)
    env = ActivityEnvironment()
    day = date(2027, 3, 4)
    at = datetime(2027, 3, 4, 10, tzinfo=UTC)
    try:
        for n in range(3):
            add_notice(sessions, n, at)
        sent = await env.run(digest.send_hr_digest, DigestRequest(day=day))
        assert [(d.notices, d.already_sent) for d in sent.digests] == [(3, False)]
        # The worker died after the email went out but before the notices
        # were marked, and one more pair ended meanwhile: the retry sends
        # nothing, marks the three and leaves the new one for tomorrow.
        with sessions.begin() as session:
            session.execute(update(HrNotice).values(digested_at=None))
        add_notice(sessions, 3, at + timedelta(hours=2))
        retried = await env.run(digest.send_hr_digest, DigestRequest(day=day))
        assert [(d.notices, d.already_sent, d.waiting) for d in retried.digests] == [(3, True, 1)]
        assert len(hr_mail(smtp_server)) == 1
        # A second run that day (another demo, HR's `hr digest`): nothing to
        # claim, nothing sent, the new notice still waiting.
        again = await env.run(digest.send_hr_digest, DigestRequest(day=day))
        assert [(d.notices, d.already_sent, d.waiting) for d in again.digests] == [(0, True, 1)]
        assert len(hr_mail(smtp_server)) == 1
        tomorrow = await env.run(digest.send_hr_digest, DigestRequest(day=day + timedelta(1)))
        assert [(d.notices, d.already_sent) for d in tomorrow.digests] == [(1, False)]
        assert len(hr_mail(smtp_server)) == 2
        assert "Reason 3" in hr_mail(smtp_server)[1].get_body(("plain",)).get_content()
        with sessions() as session:
            assert session.scalar(select(HrNotice).where(HrNotice.digested_at.is_(None))) is None
            keys = set(session.scalars(select(OutboxMessage.idempotency_key)))
            assert keys == {
                digest_key("Engineering Mentoring", day, PM),
                digest_key("Engineering Mentoring", day + timedelta(1), PM),
            }
    finally:
        await email.close()
        engine.dispose()
