"""``/hr/audit``: administrators read the log newest first, filter and page
it and export it (CSV neutralised, JSON), the export itself on record; a
program manager is refused; the ORM cannot change or remove a row."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser
from sqlalchemy import delete, update

from mentorflow.audit import AuditAction, AuditRecord, AuditResult
from mentorflow.store.audit import AuditIsAppendOnly, record_audit
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import AuditEntry
from tests.support.console_reads import api_as, console_with_pairs, plain_context
from tests.support.hr import ADA, ANNA, BEN, Console, sign_in

HOSTILE_TARGET = '=HYPERLINK("http://evil.example","x")'


def _history(db_url: str) -> None:
    """Sixty old refusals by Ben (more than a page) and one hostile target."""
    engine = make_engine(db_url)
    long_ago = datetime(2026, 1, 5, 12, tzinfo=UTC)
    with make_sessionmaker(engine).begin() as session:
        for n in range(60):
            record_audit(
                session,
                AuditRecord(
                    actor=BEN,
                    action=AuditAction.ACCESS,
                    result=AuditResult.REFUSED,
                    target=f"/hr/programs/{n}",
                    at=long_ago + timedelta(minutes=n),
                ),
            )
        record_audit(
            session,
            AuditRecord(actor=ANNA, action=AuditAction.LAUNCH, target=HOSTILE_TARGET, at=long_ago),
        )
    engine.dispose()


@pytest.fixture
async def console(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Console]:
    async with console_with_pairs(tmp_path, sqlite_url) as running:
        _history(sqlite_url)
        yield running


async def test_an_administrator_filters_pages_and_exports_the_log(
    console: Console, browser: Browser
) -> None:
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, ADA, start="/hr/audit")
        first = await page.inner_text("tbody tr >> nth=0")
        assert "sign_in" in first and ADA in first  # newest first

        await page.fill("input[name=actor]", BEN.upper())
        await page.select_option("select[name=result]", "refused")
        await page.fill("input[name=since]", "2026-01-05")
        await page.fill("input[name=until]", "2026-01-05")
        await page.click("button:has-text('Filter')")
        assert "Entries matching: 60" in await page.inner_text("main")
        assert await page.locator("tbody tr").count() == 50
        assert "/hr/programs/59" in await page.inner_text("tbody tr >> nth=0")
        await page.click("a:has-text('Older')")
        assert await page.locator("tbody tr").count() == 10
        assert "page 2 of 2" in await page.inner_text("caption")

        await page.goto(f"{console.base_url}/hr/audit?action=launch")
        async with page.expect_download() as download:
            await page.click("a:has-text('CSV')")
        rows = list(
            csv.DictReader(io.StringIO(Path(await (await download.value).path()).read_text()))
        )
        assert [r["target"] for r in rows] == ["'" + HOSTILE_TARGET]
    exported = [r for r in console.audit_rows() if r.action == "export" and r.actor == ADA]
    assert len(exported) == 1 and exported[0].target == "audit"
    assert exported[0].detail["filter"] == {"action": "launch"} and exported[0].detail["rows"] == 1


async def test_a_program_manager_is_refused(console: Console, browser: Browser) -> None:
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, ANNA, start="/hr")
        response = await page.goto(f"{console.base_url}/hr/audit")
        assert response is not None and response.status == 403
        assert "No access" in await page.inner_text("main")
        response = await page.goto(f"{console.base_url}/hr/audit/export?format=json")
        assert response is not None and response.status == 403
    assert ("access", "refused", "/hr/audit") in console.audit(ANNA)
    assert not [r for r in console.audit_rows() if r.action == "export"]


async def test_the_api_reads_the_log_for_administrators_only(console: Console) -> None:
    async with api_as(console, BEN) as ben:
        assert (await ben.get("/audit")).status_code == 403
    async with api_as(console, ADA) as ada:
        page = (await ada.get("/audit", params={"actor": BEN, "page": 2})).json()
        assert page["matching"] == 61  # the sixty, and his refusal just now
        assert page["page"] == 2 and len(page["rows"]) == page["matching"] - 50
        bad = await ada.get("/audit", params={"since": "last tuesday"})
        assert bad.status_code == 422


def test_the_orm_cannot_change_or_remove_a_row(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        entry_id = record_audit(session, AuditRecord(actor=ADA, action=AuditAction.EXPORT)).id
    for change in (
        lambda s: setattr(s.get(AuditEntry, entry_id), "result", "failed"),
        lambda s: s.delete(s.get(AuditEntry, entry_id)),
        lambda s: s.execute(update(AuditEntry).values(actor="someone else")),
        lambda s: s.execute(delete(AuditEntry)),
    ):
        with pytest.raises(AuditIsAppendOnly), sessions.begin() as session:
            change(session)
            session.flush()
    with sessions() as session:
        kept = session.get(AuditEntry, entry_id)
        assert kept is not None and (kept.actor, kept.result) == (ADA, "ok")
    engine.dispose()
