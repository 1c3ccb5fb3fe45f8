"""The directory, the HR system sync and the HR notices in the console and
the API: an administrator imports an export (checked first, bad rows by
line), runs a sync on a real worker and sends the digest; a program manager
may not, and sees only their programs' notices."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.async_api import BrowserContext
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from mentorflow.notices.models import HrNoticeRecord, NoticeKind
from mentorflow.store import hr_notices
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Person
from tests.conftest import SmtpServer
from tests.support.applications import DIRECTORY
from tests.support.hr import (
    ADA,
    ANNA,
    BEN,
    COHORT_A,
    COHORT_B,
    PROGRAM_A,
    PROGRAM_B,
    Console,
    hr_console,
    sign_in,
)
from tests.support.hris import ORGANISATION, export
from tests.support.pairs import worker_for

#: The seeded three, one of them changed, a newcomer, and a row with a bad email.
UPLOAD = (
    DIRECTORY.replace("Staff Engineer", "Principal Engineer")
    + "C3,cleo.new@example.com,Cleo New,Engineer,Data,M1,Berlin,Europe/Berlin,2021-04-01,L4\n"
    + "D4,not-an-email,Dee Broken,Engineer,Data,M1,Berlin,Europe/Berlin,2021-04-01,L4\n"
)


@pytest.fixture
async def console(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Console]:
    async with hr_console(tmp_path, sqlite_url) as running:
        yield running


def people(console: Console) -> int:
    engine = make_engine(console.db_url)
    try:
        with make_sessionmaker(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(Person)) or 0)
    finally:
        engine.dispose()


async def test_an_administrator_checks_then_imports_an_export(
    console: Console, context: BrowserContext, tmp_path: Path
) -> None:
    upload = tmp_path / "people.csv"
    upload.write_text(UPLOAD)
    page = await context.new_page()
    await sign_in(page, console, ADA, "/hr/directory")
    assert "3 people" in await page.inner_text("main")

    await page.set_input_files("input[name=file]", str(upload))
    await page.check("input[name=check_only]")
    await page.click("button:has-text('Import')")
    text = await page.inner_text("main")
    assert "Checked people.csv: nothing was written" in text
    assert "people.csv:6: email:" in text, text
    assert people(console) == 3

    await page.set_input_files("input[name=file]", str(upload))
    await page.click("button:has-text('Import')")
    text = await page.inner_text("main")
    assert "Imported people.csv" in text and "4 people" in text
    report = await page.inner_text("table.table")
    assert "Added\t1" in report and "Updated\t1" in report and "Rejected\t1" in report
    # The check wrote nothing and is not an action; the import is one row.
    imports = [row for row in console.audit(ADA) if row[0] == "import_directory"]
    assert imports == [("import_directory", "ok", "people.csv")]


async def test_the_api_imports_a_csv_body(console: Console) -> None:
    token = await console.access_token(ADA)
    async with httpx.AsyncClient(
        base_url=console.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        response = await http.post(
            "/api/v1/directory/import",
            params={"dry_run": "true"},
            content=UPLOAD,
            headers={"Content-Type": "text/csv"},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True and body["inserted"] == 1 and body["updated"] == 1
    assert [(e["line"], e["employee_id"], e["field"]) for e in body["errors"]] == [
        (6, "D4", "email")
    ]
    assert people(console) == 3


async def test_a_program_manager_may_not_touch_the_directory(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, console, ANNA)
    assert "Directory" not in await page.inner_text("header")
    response = await page.goto(f"{console.base_url}/hr/directory")
    assert response is not None and response.status == 403
    assert "Only an HR administrator" in await page.inner_text("main")
    token = await console.access_token(ANNA)
    async with httpx.AsyncClient(
        base_url=console.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        refused = await http.post(
            "/api/v1/directory/import", content=UPLOAD, headers={"Content-Type": "text/csv"}
        )
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        assert (await http.get("/api/v1/hris/syncs")).status_code == 403
    assert people(console) == 3
    assert ("access", "refused", "/hr/directory") in console.audit(ANNA)


def _notice(db_url: str, program: str, cohort: str, mentee: str) -> None:
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        hr_notices.record_notice(
            session,
            HrNoticeRecord(
                key=f"{cohort}:{mentee}:declined",
                subject=f"{mentee} declined",
                kind=NoticeKind.DECLINED,
                program_name=program,
                cohort=cohort,
                manager_email="hr@example.com",
                mentor_id="B2",
                mentee_id=mentee,
                happened_at=datetime.now(UTC),
                detail={"reason": f"{mentee} declined the introduction"},
            ),
        )
    engine.dispose()


async def test_notices_are_scoped_and_an_administrator_sends_the_digest(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    tmp_path: Path,
    sqlite_url: str,
    task_queue: str,
    context: BrowserContext,
) -> None:
    _notice(sqlite_url, PROGRAM_A, COHORT_A, "A1")
    _notice(sqlite_url, PROGRAM_B, COHORT_B, "Z9")
    client = time_skipping_env.client
    async with (
        hr_console(
            tmp_path,
            sqlite_url,
            client,
            temporal_task_queue=task_queue,
            smtp_host=smtp_server.host,
            smtp_port=smtp_server.port,
        ) as console,
        worker_for(client, console.settings, task_queue),
    ):
        page = await context.new_page()
        await sign_in(page, console, BEN, "/hr/notices")
        text = await page.inner_text("main")
        assert "Z9 declined the introduction" in text and "A1 declined" not in text
        assert "Send today's digest now" not in text

        token = await console.access_token(BEN)
        async with httpx.AsyncClient(
            base_url=console.base_url, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            listed = (await http.get("/api/v1/notices")).json()
            assert [n["cohort"] for n in listed] == [COHORT_B]
            refused = await http.post("/api/v1/notices/digest")
            assert refused.status_code == 403

        await page.context.clear_cookies()
        await sign_in(page, console, ADA, "/hr/notices")
        text = await page.inner_text("main")
        assert "Z9 declined" in text and "A1 declined" in text
        await page.click("button:has-text('Send today')")
        text = await page.inner_text("main")
        assert "notices sent" in text, text
        for program in (PROGRAM_A, PROGRAM_B):
            await smtp_server.recorder.wait_for(
                lambda m, p=program: str(m["Subject"]).startswith(f"{p}: 1 HR notice")
            )
    assert [a for a, *_ in console.audit(ADA) if a == "send_digest"] == ["send_digest"]


async def test_an_administrator_syncs_the_hr_system_from_the_console(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    tmp_path: Path,
    sqlite_url: str,
    task_queue: str,
    context: BrowserContext,
) -> None:
    hris = export(tmp_path / "hris.csv", ORGANISATION)
    client = time_skipping_env.client
    async with (
        hr_console(
            tmp_path,
            sqlite_url,
            client,
            temporal_task_queue=task_queue,
            hris_csv_path=hris,
            smtp_host=smtp_server.host,
            smtp_port=smtp_server.port,
        ) as console,
        worker_for(client, console.settings, task_queue),
    ):
        page = await context.new_page()
        await sign_in(page, console, ADA, "/hr/hris")
        assert "No sync has run yet" in await page.inner_text("main")
        # The export lacks two of the three people seeded before: more leavers than
        # the guard allows, so the first sync applies nothing.
        await page.click("button:has-text('Sync now')")
        text = await page.inner_text("main")
        assert "refused" in text and "--accept-leavers 2" in text, text
        await page.fill("input[name=accept_leavers]", "2")
        await page.click("button:has-text('Sync now')")
        text = await page.inner_text("main")
        assert "applied" in text and "joiners\t11" in text and "Bo Builder (B2)" in text, text
        statuses = await page.locator(
            "section:has(h2:has-text('Recent syncs')) tbody .status"
        ).all_inner_texts()
        assert statuses == ["applied", "refused"]
    assert [r for r in console.audit(ADA) if r[0] == "sync"] == [
        ("sync", "ok", "directory"),
        ("sync", "ok", "directory"),
    ]
