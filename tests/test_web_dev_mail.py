"""``/dev/mail``: mail sent over SMTP to the local sink shows in the web app."""

from __future__ import annotations

import smtplib
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from mentorflow.mail.sink import MailSink
from mentorflow.settings import Settings
from mentorflow.web import create_app
from tests.conftest import free_port

LINK = "http://127.0.0.1:8000/l/checkin/abc.def"


@pytest.fixture
def sink_settings(tmp_path: Path, sqlite_url: str) -> Settings:
    return Settings(var_dir=tmp_path, database_url=sqlite_url, secret_key="test-secret")


@pytest.fixture
def sink(sink_settings: Settings) -> Iterator[MailSink]:
    with MailSink(sink_settings.mail_dir, "127.0.0.1", free_port()) as running:
        yield running


@pytest.fixture
async def http(sink_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(sink_settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


def send(sink: MailSink, subject: str, to: str) -> None:
    message = EmailMessage()
    message["From"] = "mentorflow <mentorflow@localhost>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content(f"Hi,\n\nAnswer here: {LINK}\n")
    message.add_alternative(
        f'<html><head></head><body><p>Hi <b>there</b></p><a href="{LINK}">Answer</a>'
        "<script>parent.document.title='pwned'</script></body></html>",
        subtype="html",
    )
    with smtplib.SMTP(sink.host, sink.port) as smtp:
        smtp.send_message(message)


async def test_inbox_lists_mail_newest_first_and_shows_one(
    sink: MailSink, http: httpx.AsyncClient
) -> None:
    send(sink, "Check-in 1 is open", "eli@example.com")
    send(sink, "Your introduction", "maria@example.com")

    home = await http.get("/")
    assert 'href="/dev/mail"' in home.text

    inbox = await http.get("/dev/mail")
    assert inbox.status_code == 200
    assert inbox.text.index("Your introduction") < inbox.text.index("Check-in 1 is open")

    listed = (await http.get("/dev/mail.json")).json()
    assert [m["subject"] for m in listed] == ["Your introduction", "Check-in 1 is open"]
    assert listed[1]["to"] == "eli@example.com"
    assert listed[1]["links"] == [LINK]
    assert "Answer here" in listed[1]["text"]

    one = await http.get(f"/dev/mail/{listed[1]['key']}")
    assert one.status_code == 200
    assert f'<a href="{LINK}">' in one.text  # clickable
    # The HTML part is quoted into a sandboxed iframe: its markup and script
    # never run in the app's own page.
    assert 'sandbox="allow-popups' in one.text and "allow-scripts" not in one.text
    assert "<script>parent" not in one.text
    assert 'srcdoc="&lt;html&gt;&lt;head&gt;&lt;base target=' in one.text


async def test_unknown_message_is_a_friendly_404(sink: MailSink, http: httpx.AsyncClient) -> None:
    missing = await http.get("/dev/mail/no-such-key")
    assert missing.status_code == 404
    assert "No such message" in missing.text


async def test_inbox_is_absent_with_a_real_mail_server(tmp_path: Path, sqlite_url: str) -> None:
    settings = Settings(
        var_dir=tmp_path, database_url=sqlite_url, secret_key="k", smtp_host="smtp.example.com"
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/dev/mail")).status_code == 404
        assert (await client.get("/dev/mail.json")).status_code == 404
        home = await client.get("/")
        assert home.status_code == 200 and "/dev/mail" not in home.text
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        css = await client.get("/static/mentorflow.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
