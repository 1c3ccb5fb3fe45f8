"""A small organisation, an open cohort and the web app in front of the real
ApplicationWorkflow, for the application pages, the apply form and the CSV
import."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from html import unescape
from pathlib import Path

import httpx
from sqlalchemy import select
from temporalio.client import Client

from mentorflow.directory import import_directory
from mentorflow.program import ManagerApproval, ProgramConfig
from mentorflow.settings import Settings
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Application, UsedLink
from mentorflow.web import create_app
from tests.conftest import SmtpServer
from tests.support.pairs import settings_for, worker_for

COHORT = "2027-spring"
DIRECTORY = """employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level
M1,mona.manager@example.com,Mona Manager,Director,Platform,,Berlin,Europe/Berlin,2015-01-05,L7
A1,ana.applicant@example.com,Ana Applicant,Engineer,Platform,M1,Lisbon,Europe/Lisbon,2020-03-02,L3
B2,bo.builder@example.com,Bo Builder,Staff Engineer,Payments,M1,Berlin,Europe/Berlin,2018-06-01,L6
"""


def program(approval: bool = False) -> ProgramConfig:
    return ProgramConfig(
        name="Engineering Mentoring",
        program_manager_email="programs@example.com",
        manager_approval=ManagerApproval(required=approval, timeout=timedelta(days=5)),
    )


def prepare_store(db_url: str, config: ProgramConfig) -> None:
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, DIRECTORY).errors
        now = datetime.now(UTC)
        cohorts.create_cohort(
            session, COHORT, config, opens_at=now, closes_at=now + timedelta(days=14)
        )
    engine.dispose()


def settings_with_queue(tmp_path: Path, db_url: str, smtp: SmtpServer, queue: str) -> Settings:
    return settings_for(tmp_path, db_url, smtp.port).model_copy(
        update={"temporal_task_queue": queue}
    )


def stored_applications(db_url: str) -> list[tuple[str, str, str, str]]:
    """(employee id, role, status, source) of every stored application."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    Application.employee_id,
                    Application.role,
                    Application.status,
                    Application.source,
                ).order_by(Application.employee_id, Application.role)
            ).all()
            return [(r[0], r[1], r[2], r[3]) for r in rows]
    finally:
        engine.dispose()


def used_links(db_url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(UsedLink.purpose, UsedLink.participant_id, UsedLink.state)
            ).all()
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        engine.dispose()


def text_of(response: httpx.Response) -> str:
    """The page's visible text, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.text)
    return re.sub(r"\s+", " ", unescape(body))


def link_in(mail: EmailMessage, path: str) -> str:
    """The site-relative link starting with ``path`` in the text part."""
    body = mail.get_body(("plain",))
    assert body is not None
    found = re.search(rf"http://mentorflow\.test({re.escape(path)}\S+)", body.get_content())
    assert found, body.get_content()
    return found.group(1)


@dataclass
class Office:
    """The web app and a worker on one Temporal server, over one store."""

    client: Client
    settings: Settings
    http: httpx.AsyncClient
    smtp: SmtpServer
    db_url: str


@asynccontextmanager
async def office(client: Client, settings: Settings, smtp: SmtpServer) -> AsyncIterator[Office]:
    app = create_app(settings, client=client)
    transport = httpx.ASGITransport(app=app)
    async with (
        worker_for(client, settings, settings.temporal_task_queue),
        httpx.AsyncClient(transport=transport, base_url=settings.base_url) as http,
    ):
        yield Office(client, settings, http, smtp, settings.resolved_database_url)
