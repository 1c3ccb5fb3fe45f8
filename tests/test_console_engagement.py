"""A cohort's engagement (charts and the table beneath), its network and its
report as a download, and the roll-up on ``/hr``: the numbers seeded, what
participants wrote kept from HR, scope, and CSV cells neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser

from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Cohort
from tests.support.console_reads import api_as, console_with_pairs, plain_context
from tests.support.hr import ADA, ANNA, BEN, COHORT_A, Console, sign_in
from tests.support.insights import HOSTILE_NAME, INTRODUCTION, PRIVATE_TEXT


@pytest.fixture
async def console(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Console]:
    async with console_with_pairs(tmp_path, sqlite_url) as running:
        yield running


async def test_the_engagement_page_charts_each_week_and_offers_the_report(
    console: Console, browser: Browser
) -> None:
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, ANNA, start=f"/hr/cohorts/{COHORT_A}/engagement")
        assert await page.locator("svg.bars").count() == 5
        at_risk = page.locator("svg.bars").nth(4).locator("rect.bar title")
        assert await at_risk.all_text_contents() == ["Week 1: 0", "Week 2: 0", "Week 3: 1"]
        rows = await page.locator("tbody tr").all_inner_texts()
        assert [r.split("\t")[2:] for r in rows] == [
            ["0", "0", "0", "–", "0"],
            ["2", "2", "1", "3.67", "0"],
            ["2", "1", "1", "3.0", "1"],
        ]
        assert (
            await page.locator("[style]").count() == 0 and await page.locator("script").count() == 0
        )
        async with page.expect_download() as download:
            await page.click("a:has-text('CSV open blockers')")
        body = Path(await (await download.value).path()).read_text()
        table = list(csv.DictReader(io.StringIO(body)))
        assert [r["mentee"] for r in table] == ["'" + HOSTILE_NAME]
    assert ("export", "ok", f"cohort:{COHORT_A}") in console.audit(ANNA)


async def test_the_network_counts_and_keeps_the_words(console: Console, browser: Browser) -> None:
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, ANNA, start=f"/hr/cohorts/{COHORT_A}/network")
        main = await page.inner_text("main")
        row = await page.inner_text("tr:has-text('Introductions made')")
        assert row.split("\t")[1:] == ["1", "1"]
        assert "deadline\t2" in await page.inner_text("table:has-text('Theme')")
        assert PRIVATE_TEXT not in main and INTRODUCTION not in main
        assert "SECRETNOTE" not in await page.content()


async def test_the_rollup_on_the_programs_page(console: Console, browser: Browser) -> None:
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, ANNA)
        row = await page.inner_text(f"table.rollup tbody tr:has-text('{COHORT_A}')")
        # participants, match rate, response rate, mean value, graduates, early ends
        assert row.split("\t")[1:7] == ["3", "67%", "50%", "3.5", "1", "0"]
        assert "All programs" not in await page.inner_text("main")
        await page.close()
        page = await context.new_page()
        await context.clear_cookies()
        await sign_in(page, console, ADA)
        total = await page.inner_text("tr:has-text('All programs (2)')")
        assert total.split("\t")[1:7] == ["5", "67%", "60%", "4.0", "1", "0"]


async def test_scope_and_the_api(console: Console) -> None:
    async with api_as(console, BEN) as ben:
        for path in ("engagement", "network", "report?format=json"):
            refused = await ben.get(f"/cohorts/{COHORT_A}/{path}")
            assert refused.status_code == 403, path
        assert (await ben.get("/cohorts/no-such-cohort/engagement")).status_code == 403
        programs = (await ben.get("/programs")).json()
        assert [p["name"] for p in programs["programs"]] == ["Sales Mentoring"]
        assert programs["all_programs"] is None
    async with api_as(console, ANNA) as anna:
        weeks = (await anna.get(f"/cohorts/{COHORT_A}/engagement")).json()["weeks"]
        assert [w["at_risk"] for w in weeks] == [0, 0, 1]
        network = await anna.get(f"/cohorts/{COHORT_A}/network")
        assert network.json()["written"] == [] and PRIVATE_TEXT not in network.text
        report = await anna.get(f"/cohorts/{COHORT_A}/report", params={"format": "csv"})
        summary = dict(csv.reader(io.StringIO(report.text)))
        assert summary["match_rate"] == "0.6667" and summary["response_rate"] == "0.5"
        bad = await anna.get(f"/cohorts/{COHORT_A}/report", params={"format": "xlsx"})
        assert bad.status_code == 422
    async with api_as(console, ADA) as ada:
        assert (await ada.get("/cohorts/no-such-cohort/network")).status_code == 404
        assert (await ada.get("/programs")).json()["all_programs"]["participants"] == 5


async def test_the_words_show_when_the_program_lets_hr_read_them(
    console: Console, browser: Browser
) -> None:
    engine = make_engine(console.db_url)
    with make_sessionmaker(engine).begin() as session:
        cohort = session.get(Cohort, COHORT_A)
        assert cohort is not None
        cohort.program = {**cohort.program, "hr_reads_answers": True}
    engine.dispose()
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, ANNA, start=f"/hr/cohorts/{COHORT_A}/network")
        written = await page.inner_text("table:has-text('Check-in') >> nth=-1")
        assert PRIVATE_TEXT in written and INTRODUCTION in written


async def test_the_openapi_document_describes_the_reads(console: Console) -> None:
    async with api_as(console, ADA) as ada:
        paths = (await ada.get("/openapi.json")).json()["paths"]
    for path in (
        "/programs",
        "/people",
        "/people/{employee_id}",
        "/cohorts/{name}/network",
        "/cohorts/{name}/engagement",
        "/cohorts/{name}/report",
        "/audit",
    ):
        assert "403" in paths[path]["get"]["responses"], path


async def test_the_html_report_opens_styled_under_the_policy(
    console: Console, browser: Browser
) -> None:
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, ANNA, start=f"/hr/cohorts/{COHORT_A}/engagement")
        refused: list[str] = []
        page.on("console", lambda message: refused.append(message.text))
        async with page.expect_navigation():
            await page.click("a:has-text('HTML')")
        assert COHORT_A in await page.inner_text("body")
        assert not [m for m in refused if "Content Security Policy" in m], refused
