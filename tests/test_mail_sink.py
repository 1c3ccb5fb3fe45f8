"""The local SMTP sink stores real SMTP deliveries in a Maildir, and its reader
lists them newest first with the links a participant would click."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from activities.email import EmailActivities
from mentorflow.links import LinkSigner
from mentorflow.mail.sink import MailSink, get_message, list_messages
from mentorflow.mail.smtp import SmtpPool
from mentorflow.models import EmailRequest, LinkSpec, Participant
from mentorflow.settings import Settings
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import free_port


def message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "mentoring@grow.example.com"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject.replace(' ', '-')}@grow.example.com>"
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    sink = MailSink(tmp_path / "mail", "127.0.0.1", free_port())
    sink.start()
    yield sink
    sink.stop()


async def test_stores_and_lists_messages_newest_first(sink: MailSink) -> None:
    pool = SmtpPool(sink.host, sink.port)
    await pool.send(
        message(
            "Bo Chen <bo@example.com>",
            "first",
            "Confirm here:\nhttps://mentor.example.com/l/introduction/abc.def\n",
            "<p><a href='https://mentor.example.com/l/introduction/abc.def'>Confirm</a></p>",
        )
    )
    await pool.send(
        message(
            "Ana Lima <ana@example.com>",
            "second",
            "Answer (https://mentor.example.com/l/checkin/x-y_z) or "
            "manage <http://127.0.0.1:8000/l/end/tok>.",
        )
    )
    await pool.close()

    messages = list_messages(sink.maildir)
    assert [m.subject for m in messages] == ["second", "first"]
    second, first = messages
    assert first.to == "Bo Chen <bo@example.com>"
    assert first.links == ["https://mentor.example.com/l/introduction/abc.def"]
    assert "Confirm" in first.html
    assert second.html == ""
    assert second.links == [
        "https://mentor.example.com/l/checkin/x-y_z",
        "http://127.0.0.1:8000/l/end/tok",
    ]
    assert second.message_id == "<second@grow.example.com>"
    assert abs(second.date - datetime.now(UTC)) < timedelta(minutes=1)

    assert [m.subject for m in list_messages(sink.maildir, to="ana@example.com")] == ["second"]
    assert get_message(sink.maildir, first.key) == first
    assert get_message(sink.maildir, "no-such-key") is None


async def test_mail_from_the_email_activity_arrives_with_working_links(
    sink: MailSink, sqlite_url: str, tmp_path: Path
) -> None:
    """The embedded stack's path: activity → SMTP → sink → /dev/mail → link."""
    settings = Settings(
        smtp_host=sink.host,
        smtp_port=sink.port,
        database_url=sqlite_url,
        secret_key="test",
        var_dir=tmp_path,
    )
    engine = make_engine(sqlite_url)
    acts = EmailActivities(settings, make_sessionmaker(engine))
    mentee = Participant(employee_id="e-200", email="bo@example.com", name="Bo Chen")
    expires = datetime.now(UTC) + timedelta(days=7)
    await acts.send_email(
        EmailRequest(
            idempotency_key="mentorship:c:e-100:e-200:introduction:e-200",
            template="introduction",
            to=mentee,
            mentorship_id="mentorship:c:e-100:e-200",
            context={
                "program_name": "Grow Together 2026",
                "role": "mentee",
                "partner": {"employee_id": "e-100", "email": "ana@example.com", "name": "Ana Lima"},
                "mentor": {"employee_id": "e-100", "email": "ana@example.com", "name": "Ana Lima"},
                "mentee": mentee.model_dump(mode="json"),
                "respond_by": expires.isoformat(),
            },
            links=[
                LinkSpec(
                    name="respond",
                    purpose="introduction",
                    participant_id="e-200",
                    expires_at=expires,
                )
            ],
        )
    )
    await acts.close()
    engine.dispose()

    [received] = list_messages(sink.maildir, to="bo@example.com")
    assert received.subject == "Meet Ana Lima, your mentor in Grow Together 2026"
    assert received.idempotency_key == "mentorship:c:e-100:e-200:introduction:e-200"
    [link] = received.links
    assert link.startswith(f"{settings.base_url}/l/introduction/")
    claims = LinkSigner("test").verify("introduction", link.rsplit("/", 1)[1])
    assert claims.participant_id == "e-200"


def test_an_empty_or_missing_maildir_lists_nothing(tmp_path: Path) -> None:
    assert list_messages(tmp_path / "never-created") == []


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}"):
            MailSink(tmp_path / "mail", "127.0.0.1", port).start()
