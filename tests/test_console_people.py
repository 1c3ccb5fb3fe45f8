"""``/hr/people``: find someone and see what they took part in, in the
signed-in person's programs only; the same under ``/api/v1/people``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Browser

from tests.support.console_reads import api_as, console_with_pairs, plain_context
from tests.support.hr import ADA, ANNA, BEN, COHORT_A, Console, sign_in
from tests.support.insights import PAIR_ANA


@pytest.fixture
async def console(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Console]:
    async with console_with_pairs(tmp_path, sqlite_url) as running:
        yield running


async def test_a_manager_finds_a_mentee_and_her_mentorship(
    console: Console, browser: Browser
) -> None:
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, ANNA, start="/hr/people")
        await page.fill("input[name=q]", "APPLIC")
        await page.click("button:has-text('Search')")
        assert "1 found" in await page.inner_text("main")
        await page.click("a:has-text('Ana Applicant')")
        assert page.url.endswith("/hr/people/A1")
        main = await page.inner_text("main")
        assert "Engineer" in main and "Platform" in main and "Mona Manager" in main
        row = await page.inner_text("tr:has-text('Bo Builder')")
        assert "mentee" in row and COHORT_A in row and "graduated" in row
        link = page.locator("a:has-text('mentee')")
        assert await link.get_attribute("href") == f"/hr/mentorships/{quote(PAIR_ANA, safe='')}"


async def test_a_manager_of_another_program_sees_nothing_of_it(
    console: Console, browser: Browser
) -> None:
    async with plain_context(browser) as context:
        page = await context.new_page()
        await sign_in(page, console, BEN, start="/hr/people?q=ana")
        await page.click("a:has-text('Ana Applicant')")
        main = await page.inner_text("main")
        assert "Nothing in your programs" in main and COHORT_A not in main


async def test_the_api_answers_the_same_in_scope(console: Console) -> None:
    async with api_as(console, BEN) as ben:
        found = (await ben.get("/people", params={"q": "b2"})).json()
        assert [p["employee_id"] for p in found] == ["B2"]
        bo = (await ben.get("/people/B2")).json()
        assert bo["person"]["name"] == "Bo Builder"
        assert bo["mentorships"] == [] and bo["applications"] == []
        missing = await ben.get("/people/nobody")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
        assert (await ben.get("/people", params={"q": "x" * 201})).status_code == 422
    async with api_as(console, ADA) as ada:
        bo = (await ada.get("/people/B2")).json()
        assert sorted(m["partner_id"] for m in bo["mentorships"]) == ["A1", "H1"]
