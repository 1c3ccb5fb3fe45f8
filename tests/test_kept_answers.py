"""An answer that reached the web app is never lost because no worker is
running: the dev server with the worker stopped, a check-in posted, the
window closing meanwhile, the worker started again; the web app (served by
uvicorn, its answer deliverer running) delivers the answer as it was."""

from __future__ import annotations

import asyncio
import re
import uuid
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from mentorflow.links import LinkSigner, link_id
from mentorflow.models import LinkSpec, ProgramSettings
from mentorflow.settings import Settings
from mentorflow.store import pending_answers
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import CheckIn, CheckInResponse
from mentorflow.web import create_app
from tests.conftest import SmtpServer, free_port
from tests.support.pairs import (
    MENTEE,
    agree_goals,
    eventually,
    introduce,
    settings_for,
    start_pair,
    worker_for,
)
from tests.support.web import serving

#: Two check-ins twenty seconds apart, each open for twenty seconds.
SHORT = ProgramSettings(
    program_name="Sprint mentoring",
    program_manager_email="programs@example.com",
    cadence="PT20S",
    checkin_window="PT20S",
    duration="PT40S",
    introduction_timeout="PT2M",
    goals_timeout="PT2M",
    survey_window="PT1M",
)
ANSWER = {"met": "yes", "value": "4", "m_0_0": "done", "wins": "Gave my first talk"}


def text_of(response: httpx.Response) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.text)))


@pytest.fixture
def site(sqlite_url: str, smtp_server: SmtpServer, task_queue: str, tmp_path: Path) -> Settings:
    port = free_port()
    return settings_for(tmp_path, sqlite_url, smtp_server.port).model_copy(
        update={
            "base_url": f"http://127.0.0.1:{port}",
            "web_port": port,
            "temporal_task_queue": task_queue,
            "answer_delivery_interval": timedelta(seconds=0.5),
        }
    )


def web_app(settings: Settings, env: WorkflowEnvironment) -> AbstractAsyncContextManager[None]:
    """The web app on its port, its answer deliverer running, until the block ends."""
    return serving(create_app(settings, env.client), settings.web_port)


def checkin_link(settings: Settings, workflow_id: str, jti: str) -> str:
    spec = LinkSpec(
        name="checkin",
        purpose="checkin",
        participant_id=MENTEE.employee_id,
        ref="1",
        expires_at=datetime.now(UTC) + timedelta(days=1),
    )
    return LinkSigner(settings.resolved_secret_key, settings.link_max_age).url(
        settings.base_url, spec, workflow_id, jti
    )


def stored_answers(db_url: str) -> list[tuple[int, str, str]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(CheckIn.number, CheckInResponse.participant_id, CheckInResponse.wins).join(
                    CheckIn, CheckIn.id == CheckInResponse.checkin_id
                )
            ).all()
            return [(r[0], r[1], r[2]) for r in rows]
    finally:
        engine.dispose()


async def test_a_checkin_posted_while_no_worker_runs_is_delivered_later(
    site: Settings, dev_env: WorkflowEnvironment, smtp_server: SmtpServer, task_queue: str
) -> None:
    db_url = site.resolved_database_url
    sessions = make_sessionmaker(make_engine(db_url))
    async with worker_for(dev_env.client, site, task_queue):
        handle = await start_pair(dev_env.client, task_queue, SHORT, f"kept-{uuid.uuid4().hex[:8]}")
        await introduce(handle)
        await agree_goals(handle)
        opened = await eventually(
            handle, lambda s: any(MENTEE.employee_id in c.open_for for c in s.checkins), within=40
        )
        await smtp_server.recorder.wait_for(
            lambda m: MENTEE.email in str(m["To"]) and "/l/checkin/" in m.get_body().get_content()
        )
    closes = opened.checkins[0].closes[MENTEE.employee_id]

    # The worker is down: the answer is kept and the person told so.
    jti = link_id(f"{handle.id}:{uuid.uuid4()}", "checkin")
    link = checkin_link(site, handle.id, jti)
    async with httpx.AsyncClient(timeout=60) as http:
        async with web_app(site, dev_env):
            posted = await http.post(link, data=ANSWER)
            assert posted.status_code == 202, text_of(posted)
            assert "We have your answer" in text_of(posted)
            kept = pending_answers.get(sessions, jti)
            assert kept is not None and kept.status == "pending"
            assert kept.form["wins"] == ANSWER["wins"]
            # Asked again meanwhile: still received, nothing asked twice.
            again = await http.post(link, data=ANSWER)
            assert again.status_code == 202 and "We have your answer" in text_of(again)
            assert (await http.get(link)).status_code == 202
        # The web app stops too; the window closes while the worker is down, and
        # the worker that comes back closes the check-in before any delivery.
        await asyncio.sleep(max(0.0, (closes - datetime.now(UTC)).total_seconds()) + 1)
        async with worker_for(dev_env.client, site, task_queue):
            closed = await eventually(
                handle, lambda s: s.checkins[0].outcome is not None, within=30
            )
            assert MENTEE.employee_id not in closed.checkins[0].open_for
            assert pending_answers.get(sessions, jti).status == "pending"  # type: ignore[union-attr]

            async with web_app(site, dev_env):
                snap = await eventually(
                    handle, lambda s: MENTEE.employee_id in s.checkins[0].answered_by, within=30
                )
                assert snap.goals[0].milestones[0].status == "done"

                def delivered() -> bool:
                    kept = pending_answers.get(sessions, jti)
                    return kept is not None and kept.status == "delivered"

                for _ in range(100):
                    if delivered():
                        break
                    await asyncio.sleep(0.2)
                assert delivered()
                assert (1, MENTEE.employee_id, ANSWER["wins"]) in stored_answers(db_url)
                # The link is spent: answered.
                used = await http.get(link)
                assert used.status_code == 409
                assert "already been used" in text_of(used)
            await handle.terminate("test over")
