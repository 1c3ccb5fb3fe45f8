"""Shared fixtures: real Temporal servers, a real SMTP server, real databases.

PostgreSQL and Chromium are optional on a developer's machine (the tests that
need them skip with the reason) but required under CI (``CI=true``), where a
missing part fails the run instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import Browser, BrowserContext, async_playwright
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from mentorflow import search_attributes
from mentorflow.temporal_bins import dev_server_path, time_skipping_server_path

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("MENTORFLOW_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")
CHROMIUM = os.environ.get("MENTORFLOW_TEST_CHROMIUM", "/usr/bin/chromium")


def missing_part(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where every part must be there."""
    if IN_CI:
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- Temporal


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of its own for each test (it starts in ~0.1 s):
    one test's leftover workflows and clock never reach another's."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(time_skipping_server_path()),
    )
    await search_attributes.register(env.client)
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        # Registered as ``mentorflow dev`` registers them.
        search_attributes=search_attributes.ALL,
        dev_server_existing_path=str(dev_server_path()),
        dev_server_log_level="error",
        ui=False,
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def task_queue() -> str:
    """A fresh task queue per test so workers of different tests never mix."""
    return f"tq-{uuid.uuid4()}"


# --------------------------------------------------------------------------- SMTP


@dataclass
class SmtpRecorder:
    """aiosmtpd handler that keeps every message it accepts; ``fail_next``
    makes it answer the next DATA commands with the given SMTP replies, and
    ``outage`` answers every DATA with its reply until it is set back to None
    (``refused`` counts those answers); ``outage_for`` limits it to mail for
    addresses containing that text."""

    messages: list[EmailMessage] = field(default_factory=list)
    fail_next: list[str] = field(default_factory=list)
    outage: str | None = None
    outage_for: str = ""
    refused: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.outage is not None and any(self.outage_for in r for r in envelope.rcpt_tos):
            self.refused += 1
            return self.outage
        if self.fail_next:
            return self.fail_next.pop(0)
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    async def wait_for(self, predicate, within: float = 20.0) -> EmailMessage:  # type: ignore[no-untyped-def]
        deadline = asyncio.get_running_loop().time() + within
        while True:
            for m in self.messages:
                if predicate(m):
                    return m
            if asyncio.get_running_loop().time() > deadline:
                subjects = [str(m["Subject"]) for m in self.messages]
                raise AssertionError(f"no matching mail within {within}s; got {subjects}")
            await asyncio.sleep(0.05)


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: SmtpRecorder


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()


# --------------------------------------------------------------------------- databases


def _postgres_database() -> Iterator[str]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        missing_part("psycopg is not installed")
    name = f"mf_test_{uuid.uuid4().hex[:12]}"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        missing_part(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated database: a SQLite file, then a fresh PostgreSQL database."""
    from mentorflow.store.db import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(url)
        yield url
    else:
        for url in _postgres_database():
            upgrade(url)
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for tests whose subject is not the store."""
    from mentorflow.store.db import upgrade

    url = f"sqlite:///{tmp_path / 'store.db'}"
    upgrade(url)
    return url


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if not path:
        missing_part("Chromium is not installed (Debian package 'chromium')")
    return str(path)


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    """Headless Chromium with the flags this machine needs."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A browser context with JavaScript off: the console and the link pages
    must work as plain HTML."""
    context = await browser.new_context(java_script_enabled=False)
    try:
        yield context
    finally:
        await context.close()
