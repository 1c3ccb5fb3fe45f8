"""The email activity against a real SMTP server (aiosmtpd) and a real
database: links minted and verifiable, exactly once under retries, SMTP errors
classified for Temporal, connections pooled."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

# The sandbox re-imports this module to validate SendOneEmail: everything
# but the workflow API passes through (settings resolve paths at import).
with workflow.unsafe.imports_passed_through():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    from activities.email import EmailActivities
    from mentorflow.links import LinkExpired, LinkSigner, link_id
    from mentorflow.mail import outbox
    from mentorflow.mail.smtp import SmtpPool, TransientMailError
    from mentorflow.models import EmailReceipt, EmailRequest, LinkSpec, Participant
    from mentorflow.settings import Settings
    from mentorflow.store.db import make_engine, make_sessionmaker
    from mentorflow.store.mentorships import upsert_person
    from tests.conftest import SmtpRecorder, SmtpServer, free_port

MENTORSHIP = "mentorship:2026-spring:e-100:e-200"
MENTOR = Participant(
    employee_id="e-100", email="ana.lima@example.com", name="Ana Lima", timezone="Europe/Paris"
)
MENTEE = Participant(
    employee_id="e-200", email="bo.chen@example.com", name="Bo Chen", timezone="America/New_York"
)
CLOSES = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def checkin_request(key: str, to: Participant = MENTEE) -> EmailRequest:
    partner = MENTOR if to == MENTEE else MENTEE
    return EmailRequest(
        idempotency_key=key,
        template="checkin",
        to=to,
        mentorship_id=MENTORSHIP,
        context={
            "program_name": "Grow Together 2026",
            "role": "mentee" if to == MENTEE else "mentor",
            "partner": partner.model_dump(mode="json"),
            "number": 3,
            "goals": [],
            "milestones_due": [],
            "closes_at": CLOSES.isoformat(),
        },
        links=[
            LinkSpec(
                name="checkin",
                purpose="checkin",
                participant_id=to.employee_id,
                ref="3",
                expires_at=CLOSES + timedelta(days=3),
            ),
            LinkSpec(
                name="manage",
                purpose="end",
                participant_id=to.employee_id,
                expires_at=CLOSES + timedelta(days=180),
            ),
        ],
    )


def new_key() -> str:
    return f"{MENTORSHIP}:checkin:3:{uuid.uuid4().hex[:8]}"


def make_settings(port: int, database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        database_url=database_url,
        secret_key="test",
        var_dir=tmp_path,
        mail_from="Grow Together <mentoring@grow.example.com>",
        base_url="https://mentor.example.com",
    )


@pytest.fixture
async def email_activities(
    smtp_server: SmtpServer, sqlite_url: str, tmp_path: Path
) -> AsyncIterator[EmailActivities]:
    engine = make_engine(sqlite_url)
    acts = EmailActivities(
        make_settings(smtp_server.port, sqlite_url, tmp_path), make_sessionmaker(engine)
    )
    yield acts
    await acts.close()
    engine.dispose()


def row(acts: EmailActivities, key: str) -> outbox.OutboxEntry:
    entry = outbox.get(acts._sessions, key)
    assert entry is not None
    return entry


async def send(acts: EmailActivities, request: EmailRequest) -> EmailReceipt:
    # ActivityEnvironment gives the method a real activity context (info, logger).
    return await ActivityEnvironment().run(acts.send_email, request)


# --------------------------------------------------------------------------- delivery


async def test_sends_the_email_with_signed_links(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    key = new_key()
    receipt = await send(email_activities, checkin_request(key))

    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    assert receipt.message_id == f"<{digest}@grow.example.com>" and not receipt.already_sent
    [message] = smtp_server.recorder.messages
    assert message["Message-ID"] == receipt.message_id
    assert message["X-Mentorflow-Key"] == key
    assert message["From"] == "Grow Together <mentoring@grow.example.com>"
    assert message["To"] == "Bo Chen <bo.chen@example.com>"
    assert message["Subject"] == "Check-in 3: how is it going with Ana?"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Tuesday 3 March 2026, 03:00 EST" in text

    # The links in the mail are the real thing: signed for this pair, this
    # person and this check-in, with a deterministic id.
    urls = [line for line in text.splitlines() if line.startswith("https://mentor.example.com/l/")]
    assert len(urls) == 2
    assert all(url in html for url in urls)
    checkin_url = next(url for url in urls if "/l/checkin/" in url)
    claims = LinkSigner("test").verify(
        "checkin", checkin_url.rsplit("/", 1)[1], now=CLOSES.timestamp()
    )
    assert claims.workflow_id == MENTORSHIP
    assert claims.participant_id == "e-200"
    assert claims.ref == "3"
    assert claims.jti == link_id(key, "checkin")

    entry = row(email_activities, key)
    assert entry.status is outbox.OutboxStatus.SENT
    assert entry.attempts == 1
    assert entry.subject == message["Subject"]
    assert entry.to_address == "bo.chen@example.com"
    assert entry.sent_at is not None


async def test_the_receipt_and_the_window_follow_the_servers_acceptance(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    # The Temporal server's clock (which the workflow reads) runs two days
    # ahead of this worker's, as on the time-skipping server.
    ahead = timedelta(days=2)
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, started_time=datetime.now(UTC) + ahead)
    key = new_key()
    request = checkin_request(key)
    window = timedelta(days=3)
    request.deadlines = {"closes_at": window}
    request.links[0].expires_in = 2 * window
    before = datetime.now(UTC) + ahead
    receipt = await env.run(email_activities.send_email, request)
    after = datetime.now(UTC) + ahead

    assert receipt.sent_at is not None and before <= receipt.sent_at <= after
    # What the person reads is counted from the send, not from the request.
    [message] = smtp_server.recorder.messages
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Tuesday 3 March 2026" not in text
    assert f"{(receipt.sent_at + window).astimezone(ZoneInfo(MENTEE.timezone)):%-d %B %Y}" in text
    checkin_url = next(u for u in text.split() if "/l/checkin/" in u)
    token = checkin_url.rsplit("/", 1)[1]
    signer = LinkSigner("test")
    expires = (receipt.sent_at + 2 * window).timestamp()
    assert signer.verify("checkin", token, now=expires - 60).ref == "3"
    with pytest.raises(LinkExpired):
        signer.verify("checkin", token, now=expires + 60)
    # A retry of a sent email reports the first acceptance, not its own time.
    env.info = dataclasses.replace(env.info, started_time=env.info.started_time + ahead)
    again = await env.run(email_activities.send_email, request)
    assert again.already_sent and again.sent_at is not None
    assert abs(again.sent_at - (receipt.sent_at + ahead)) < timedelta(seconds=5)
    assert len(smtp_server.recorder.messages) == 1


async def test_the_same_key_sends_once(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    key = new_key()
    first = await send(email_activities, checkin_request(key))
    second = await send(email_activities, checkin_request(key))

    assert len(smtp_server.recorder.messages) == 1
    assert second.already_sent and not first.already_sent
    assert second.message_id == first.message_id
    assert row(email_activities, key).attempts == 1


async def test_concurrent_attempts_with_the_same_key_send_once(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    key = new_key()
    receipts = await asyncio.gather(
        *(send(email_activities, checkin_request(key)) for _ in range(3))
    )
    assert len(smtp_server.recorder.messages) == 1
    assert sorted(r.already_sent for r in receipts) == [False, True, True]


async def test_goals_agreed_carries_the_check_in_series(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    first = datetime(2026, 3, 17, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    request = EmailRequest(
        idempotency_key=new_key(),
        template="goals_agreed",
        to=MENTOR,
        mentorship_id=MENTORSHIP,
        context={
            "program_name": "Grow Together 2026",
            "role": "mentor",
            "partner": MENTEE.model_dump(mode="json"),
            "goals": [],
            "first_checkin_at": first.isoformat(),
            "cadence": "every 2 weeks",
            "checkins_planned": 12,
            "calendar": {
                "first_at": first.isoformat(),
                "period_seconds": 14 * 24 * 3600,
                "count": 12,
                "summary": "Mentoring check-in: Ana Lima & Bo Chen",
            },
        },
    )
    await send(email_activities, request)

    [message] = smtp_server.recorder.messages
    [invite] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert invite.get_filename() == "mentoring-check-ins.ics"
    assert invite.get_param("method") == "REQUEST"
    ics = invite.get_content()
    assert "DTSTART;TZID=Europe/Paris:20260317T090000" in ics
    assert "RRULE:FREQ=WEEKLY;COUNT=12;INTERVAL=2" in ics
    assert "BEGIN:VTIMEZONE" in ics
    assert "SUMMARY:Mentoring check-in: Ana Lima & Bo Chen" in ics
    assert "calendar file" in message.get_body(preferencelist=("plain",)).get_content()


# --------------------------------------------------------------------------- failures


@pytest.fixture
async def db_activities(
    smtp_server: SmtpServer, db_url: str, tmp_path: Path
) -> AsyncIterator[EmailActivities]:
    """Email activities on SQLite and on PostgreSQL: the outbox is the subject."""
    engine = make_engine(db_url)
    acts = EmailActivities(
        make_settings(smtp_server.port, db_url, tmp_path), make_sessionmaker(engine)
    )
    yield acts
    await acts.close()
    engine.dispose()


async def test_a_retry_after_421_delivers_once(
    db_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    key = new_key()
    smtp_server.recorder.fail_next = ["421 4.3.2 Service shutting down, try later"]
    with pytest.raises(TransientMailError, match="421"):
        await send(db_activities, checkin_request(key))
    deferred = row(db_activities, key)
    assert deferred.status is outbox.OutboxStatus.PENDING
    assert deferred.attempts == 1
    assert "421" in deferred.last_error

    receipt = await send(db_activities, checkin_request(key))
    assert not receipt.already_sent
    assert len(smtp_server.recorder.messages) == 1
    delivered = row(db_activities, key)
    assert delivered.status is outbox.OutboxStatus.SENT
    assert delivered.attempts == 2
    assert delivered.last_error == ""


async def test_a_5xx_refusal_is_permanent(
    db_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    key = new_key()
    smtp_server.recorder.fail_next = ["550 5.1.1 Mailbox unavailable"]
    with pytest.raises(ApplicationError) as raised:
        await send(db_activities, checkin_request(key))
    assert raised.value.non_retryable
    assert raised.value.type == "PermanentMailError"
    assert "550 5.1.1 Mailbox unavailable" in str(raised.value)
    failed = row(db_activities, key)
    assert failed.status is outbox.OutboxStatus.FAILED
    assert "550" in failed.last_error
    assert smtp_server.recorder.messages == []


async def test_an_email_that_cannot_be_built_fails_without_sending(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    request = checkin_request(new_key())
    del request.context["closes_at"]
    with pytest.raises(ApplicationError) as raised:
        await send(email_activities, request)
    assert raised.value.non_retryable
    assert raised.value.type == "EmailTemplateError"
    assert "closes_at" in str(raised.value)
    failed = row(email_activities, request.idempotency_key)
    assert failed.status is outbox.OutboxStatus.FAILED
    assert failed.attempts == 0  # never reached the SMTP server
    assert smtp_server.recorder.messages == []


async def test_a_key_reused_for_another_email_is_refused(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    key = new_key()
    await send(email_activities, checkin_request(key, to=MENTEE))
    with pytest.raises(ApplicationError) as raised:
        await send(email_activities, checkin_request(key, to=MENTOR))
    assert raised.value.non_retryable and raised.value.type == "OutboxConflict"
    assert len(smtp_server.recorder.messages) == 1


async def test_mail_goes_to_the_address_the_directory_has_now(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    """A workflow keeps the address it started with; the HRIS sync keeps the
    directory current, and the directory wins (a retry keeps its address)."""
    with email_activities._sessions.begin() as session:
        upsert_person(session, MENTEE.model_copy(update={"email": "new.address@example.com"}))
    key = new_key()
    await send(email_activities, checkin_request(key, to=MENTEE))
    [message] = smtp_server.recorder.messages
    assert "new.address@example.com" in str(message["To"])
    assert row(email_activities, key).to_address == "new.address@example.com"

    with email_activities._sessions.begin() as session:
        upsert_person(session, MENTEE.model_copy(update={"email": "third@example.com"}))
    receipt = await send(email_activities, checkin_request(key, to=MENTEE))
    assert receipt.already_sent and len(smtp_server.recorder.messages) == 1


async def test_an_unreachable_server_is_transient(sqlite_url: str, tmp_path: Path) -> None:
    engine = make_engine(sqlite_url)
    acts = EmailActivities(
        make_settings(free_port(), sqlite_url, tmp_path), make_sessionmaker(engine)
    )
    key = new_key()
    with pytest.raises(TransientMailError, match="connection"):
        await send(acts, checkin_request(key))
    assert row(acts, key).status is outbox.OutboxStatus.PENDING
    await acts.close()
    engine.dispose()


# --------------------------------------------------------------------------- Temporal retries


@workflow.defn
class SendOneEmail:
    """The smallest workflow that sends an email the way MentorshipWorkflow does."""

    @workflow.run
    async def run(self, request: EmailRequest) -> EmailReceipt:
        return await workflow.execute_activity_method(
            EmailActivities.send_email,
            request,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=50),
                backoff_coefficient=1.0,
                maximum_attempts=5,
            ),
        )


async def test_exactly_once_under_temporal_retries(
    time_skipping_env: WorkflowEnvironment,
    task_queue: str,
    email_activities: EmailActivities,
    smtp_server: SmtpServer,
) -> None:
    smtp_server.recorder.fail_next = ["421 4.7.0 Try again later", "451 4.3.0 Local error"]
    key = new_key()
    async with Worker(
        time_skipping_env.client,
        task_queue=task_queue,
        workflows=[SendOneEmail],
        activities=[email_activities.send_email],
    ):
        receipt = await time_skipping_env.client.execute_workflow(
            SendOneEmail.run,
            checkin_request(key),
            id=f"send-one-{uuid.uuid4()}",
            task_queue=task_queue,
        )
    assert not receipt.already_sent
    assert len(smtp_server.recorder.messages) == 1
    entry = row(email_activities, key)
    assert entry.status is outbox.OutboxStatus.SENT
    assert entry.attempts == 3


# --------------------------------------------------------------------------- connection pool


def count_connections(recorder: SmtpRecorder) -> list[str]:
    """Every SMTP session starts with EHLO: one entry per connection."""
    sessions: list[str] = []

    async def handle_EHLO(server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        sessions.append(hostname)
        session.host_name = hostname  # aiosmtpd leaves this to the hook
        return responses

    recorder.handle_EHLO = handle_EHLO  # type: ignore[attr-defined]
    return sessions


def plain_message(to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "mentoring@grow.example.com"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Hello")
    return message


async def test_connections_are_reused(
    email_activities: EmailActivities, smtp_server: SmtpServer
) -> None:
    connections = count_connections(smtp_server.recorder)
    await send(email_activities, checkin_request(new_key()))
    await send(email_activities, checkin_request(new_key(), to=MENTOR))
    assert len(smtp_server.recorder.messages) == 2
    assert len(connections) == 1


async def test_a_dead_connection_is_replaced() -> None:
    recorder = SmtpRecorder()
    connections = count_connections(recorder)
    port = free_port()
    server = Controller(recorder, hostname="127.0.0.1", port=port)
    server.start()
    pool = SmtpPool("127.0.0.1", port, size=2)
    try:
        await pool.send(plain_message("a@example.com", "first"))
        # The server restarts: the pooled connection is dead.
        server.stop()
        server = Controller(recorder, hostname="127.0.0.1", port=port)
        server.start()
        await pool.send(plain_message("b@example.com", "second"))
    finally:
        await pool.close()
        server.stop()
    assert [m["Subject"] for m in recorder.messages] == ["first", "second"]
    assert len(connections) == 2


async def test_a_failed_exchange_does_not_poison_the_pool(smtp_server: SmtpServer) -> None:
    connections = count_connections(smtp_server.recorder)
    pool = SmtpPool(smtp_server.host, smtp_server.port, size=1)
    smtp_server.recorder.fail_next = ["452 4.3.1 Insufficient system storage"]
    with pytest.raises(TransientMailError, match="452"):
        await pool.send(plain_message("a@example.com", "deferred"))
    await pool.send(plain_message("a@example.com", "delivered"))
    await pool.send(plain_message("a@example.com", "delivered again"))
    await pool.close()
    assert [m["Subject"] for m in smtp_server.recorder.messages] == ["delivered", "delivered again"]
    assert len(connections) == 2  # the failed session was dropped, the next one reused


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_the_pool_logs_in_and_says_clearly_when_credentials_are_wrong() -> None:
    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"mentorflow",
            b"s3cret",
        )
        # handled=False: aiosmtpd answers a refusal with 535 itself.
        return AuthResult(success=ok, handled=False)

    recorder = SmtpRecorder()
    port = free_port()
    # A relay that insists on AUTH (plain text is fine on loopback in a test).
    server = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    server.start()
    good = SmtpPool("127.0.0.1", port, username="mentorflow", password="s3cret", timeout=5)
    bad = SmtpPool("127.0.0.1", port, username="mentorflow", password="wrong", timeout=5)
    try:
        await good.send(plain_message("a@example.com", "authenticated"))
        # Wrong credentials are the operator's to fix: retryable, never "failed".
        with pytest.raises(TransientMailError, match="MENTORFLOW_SMTP_PASSWORD"):
            await bad.send(plain_message("a@example.com", "refused"))
    finally:
        await good.close()
        await bad.close()
        server.stop()
    assert [m["Subject"] for m in recorder.messages] == ["authenticated"]
