""" "Every email at most once" for the apply link, with the web app as it is
deployed: two ``mentorflow web`` processes (uvicorn) on one database
(a SQLite file, then PostgreSQL), posts racing across both, a real SMTP
server counting what arrives."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from mentorflow.directory import import_directory
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import SmtpServer, free_port
from tests.support.applications import DIRECTORY, program, text_of

COHORTS = [f"2027-c{n:02d}" for n in range(11)]
ANA = "ana.applicant@example.com"
#: Long enough for the background sends of every post to have happened.
SETTLE = 2.0


def prepare(db_url: str) -> None:
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, DIRECTORY).errors
        now = datetime.now(UTC)
        for name in COHORTS:
            cohorts.create_cohort(
                session, name, program(), opens_at=now, closes_at=now + timedelta(days=14)
            )
    engine.dispose()


@dataclass
class Farm:
    """Web processes in front of one store, and the mail they sent."""

    urls: list[str]
    smtp: SmtpServer

    def links_to(self, address: str) -> list[str]:
        return [str(m["Message-ID"]) for m in self.smtp.recorder.to(address)]


def web_process(
    tmp_path: Path, db_url: str, smtp: SmtpServer, port: int
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MENTORFLOW_VAR_DIR": str(tmp_path),
        "MENTORFLOW_DATABASE_URL": db_url,
        "MENTORFLOW_SMTP_HOST": smtp.host,
        "MENTORFLOW_SMTP_PORT": str(smtp.port),
        "MENTORFLOW_SECRET_KEY": "test-secret",
        "MENTORFLOW_BASE_URL": f"http://127.0.0.1:{port}",
        "MENTORFLOW_WEB_PORT": str(port),
        "MENTORFLOW_MAIL_FROM": "mentorflow <mentorflow@example.com>",
    }
    command = [str(Path(sys.executable).with_name("mentorflow")), "web"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as http:
        for _ in range(300):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                if (await http.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"the web app at {url} did not start")


@pytest.fixture
def store(db_url: str) -> Iterator[str]:
    prepare(db_url)
    yield db_url


@pytest.fixture
async def farm(store: str, smtp_server: SmtpServer, tmp_path: Path) -> AsyncIterator[Farm]:
    ports = [free_port(), free_port()]
    processes = [web_process(tmp_path, store, smtp_server, port) for port in ports]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            await until_up(url, process)
        yield Farm(urls, smtp_server)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=15)


async def post(http: httpx.AsyncClient, url: str, cohort: str, email: str = ANA) -> None:
    response = await http.post(f"{url}/apply/{cohort}", data={"email": email})
    assert response.status_code == 200, response.text
    assert "If this address is in the employee directory" in text_of(response)


async def test_ten_concurrent_posts_on_two_processes_send_one_link(farm: Farm) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(*(post(http, farm.urls[n % 2], COHORTS[0]) for n in range(10)))
    await farm.smtp.recorder.wait_for(lambda m: ANA in str(m["To"]))
    await asyncio.sleep(SETTLE)
    assert len(farm.links_to(ANA)) == 1


async def test_twenty_sequential_posts_send_one_link(farm: Farm) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        for n in range(20):
            await post(http, farm.urls[n % 2], COHORTS[0])
            await asyncio.sleep(0.05)  # each post's background send gets its turn
    await asyncio.sleep(SETTLE)
    assert len(farm.links_to(ANA)) == 1


async def test_one_post_to_each_of_eleven_cohorts_sends_one_link(farm: Farm) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(
            *(post(http, farm.urls[n % 2], cohort) for n, cohort in enumerate(COHORTS))
        )
        # Someone else is not held back by Ana's limit; unknown addresses get the same page.
        await post(http, farm.urls[1], COHORTS[5], "bo.builder@example.com")
        await post(http, farm.urls[0], COHORTS[5], "nobody@example.com")
    await farm.smtp.recorder.wait_for(lambda m: "bo.builder" in str(m["To"]))
    await asyncio.sleep(SETTLE)
    assert len(farm.links_to(ANA)) == 1
    assert len(farm.links_to("bo.builder@example.com")) == 1
    assert len(farm.smtp.recorder.messages) == 2
