"""HrisSyncWorkflow pulling from a real SCIM 2.0 service (scim2-server on
loopback) on the dev server: paging staged and heartbeated, a 429 honoured
and resumed at the page it hit, a worker killed mid-pull resumed where it
stopped, and a page of garbage in the middle that leaves nothing applied."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from mentorflow.cohorts.states import SyncStatus
from mentorflow.hris.apply import held_directory
from mentorflow.hris.models import HrisSyncInput, SyncOutcome
from mentorflow.store.db import upgrade
from mentorflow.store.schema import HrisStagedPage, Person
from tests.conftest import SmtpServer
from tests.support.hris import ORGANISATION, SyncDesk, changed, export
from tests.support.pairs import settings_for, worker_for
from tests.support.scim import (  # noqa: F401  (fixtures)
    ScimTestServer,
    scim_server_fixture,
)
from workflows.hris_sync import HrisSyncWorkflow

PAGE = 5  # twelve people: pages at 1, 6 and 11
ALERTS = "hris-alerts@example.com"


def pages_asked(scim: ScimTestServer) -> list[int]:
    return [int(q.get("startIndex", "1")) for q in scim.faults.user_queries]


@pytest.fixture
async def desk(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    scim_server: ScimTestServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[SyncDesk]:
    """The directory as held (from yesterday's CSV, with levels and hire
    dates SCIM does not carry) and the same people on the SCIM service."""
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port).model_copy(
        update={
            "hris_scim_url": scim_server.url,
            "hris_scim_token": scim_server.token,
            "hris_scim_page_size": PAGE,
            "hris_alert_email": ALERTS,
        }
    )
    upgrade(sqlite_url)
    desk = SyncDesk(dev_env.client, settings, task_queue)
    async with worker_for(dev_env.client, settings, task_queue):
        held = await desk.sync(export(tmp_path / "yesterday.csv", ORGANISATION))
        assert held.status is SyncStatus.APPLIED
        yield desk


async def test_a_scim_sync_pages_through_the_service_and_changes_only_what_changed(
    desk: SyncDesk, scim_server: ScimTestServer
) -> None:
    scim_server.seed(changed(ORGANISATION, "F3", department="Data", manager_id="E100"))
    before = desk.read(held_directory)

    outcome = await desk.sync()

    assert outcome.status is SyncStatus.APPLIED and outcome.source == "scim"
    assert pages_asked(scim_server) == [1, 6, 11]
    assert outcome.people == 12 and outcome.joiners == 0 and outcome.leaving == 0
    assert outcome.movers == 1 and outcome.updates == 1
    after = desk.read(held_directory)
    assert after["F3"].department == "Data" and after["F3"].manager_id == "E100"
    # What SCIM does not carry (level, hire date) is kept, not wiped.
    assert after["F3"].level == before["F3"].level == "L4"
    assert after["F3"].hire_date == before["F3"].hire_date
    assert desk.read(lambda s: s.scalar(select(func.count()).select_from(HrisStagedPage))) == 0


async def test_a_429_is_waited_out_and_the_pull_resumes_at_that_page(
    desk: SyncDesk, scim_server: ScimTestServer
) -> None:
    scim_server.seed(ORGANISATION)
    scim_server.faults.fail_request(2, 429, retry_after="1")

    outcome = await desk.sync()

    assert outcome.status is SyncStatus.APPLIED and outcome.people == 12
    # Page 1 once; page 6 refused, then asked again after Retry-After; page 11.
    assert pages_asked(scim_server) == [1, 6, 6, 11]


async def test_a_worker_killed_mid_pull_resumes_where_it_stopped(
    dev_env: WorkflowEnvironment,
    scim_server: ScimTestServer,
    desk: SyncDesk,
) -> None:
    scim_server.seed(changed(ORGANISATION, "F5", title="Staff Engineer"))
    other_queue = f"tq-{uuid.uuid4()}"
    scim_server.faults.delay_request(2, 4.0)  # page 6 hangs while the worker dies
    async with worker_for(dev_env.client, desk.settings, other_queue):
        handle = await dev_env.client.start_workflow(
            HrisSyncWorkflow.run,
            HrisSyncInput(),
            id=f"hris-sync-test-{uuid.uuid4()}",
            task_queue=other_queue,
        )
        for _ in range(200):
            if len(scim_server.faults.user_queries) >= 2:
                break
            await asyncio.sleep(0.05)
    # That worker is gone mid-page; a new one takes over the same sync.
    async with worker_for(dev_env.client, desk.settings, other_queue):
        outcome: SyncOutcome = await handle.result()

    assert outcome.status is SyncStatus.APPLIED and outcome.updates == 1
    # Page 1 was staged and heartbeated before the worker died: not asked again.
    assert pages_asked(scim_server) == [1, 6, 6, 11]
    assert desk.read(lambda s: s.get(Person, "F5").title) == "Staff Engineer"


async def test_a_garbage_page_mid_sync_leaves_nothing_applied(
    desk: SyncDesk, scim_server: ScimTestServer, smtp_server: SmtpServer
) -> None:
    scim_server.seed(changed(ORGANISATION, "F1", department="Data"))
    scim_server.faults.garbage_page(6, b"<html>502 from a proxy</html>")
    before = desk.read(held_directory)

    outcome = await desk.sync()

    assert outcome.status is SyncStatus.FAILED
    assert "startIndex 6" in outcome.reason
    assert desk.read(held_directory) == before
    assert desk.read(lambda s: s.scalar(select(func.count()).select_from(HrisStagedPage))) == 0
    await smtp_server.recorder.wait_for(lambda m: ALERTS in str(m["To"]))


async def test_a_refused_token_fails_the_sync_without_retrying(
    dev_env: WorkflowEnvironment, desk: SyncDesk, scim_server: ScimTestServer
) -> None:
    scim_server.seed(ORGANISATION)
    wrong = desk.settings.model_copy(update={"hris_scim_token": "not-the-token"})
    queue = f"tq-{uuid.uuid4()}"
    async with worker_for(dev_env.client, wrong, queue):
        outcome = await SyncDesk(dev_env.client, wrong, queue).sync()
    assert outcome.status is SyncStatus.FAILED and "401" in outcome.reason
    assert "not-the-token" not in outcome.reason
    assert pages_asked(scim_server) == [1]
