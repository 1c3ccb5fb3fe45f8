"""The console's API keys page in Chromium, through the real sign-in: Ada
(an administrator) issues a key, sees it once, it works on the API, it is
never shown again, and she revokes it after confirming. A program manager
may not open the page; a form without its CSRF token changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import BrowserContext

from tests.support.hr import ADA, ANNA, PROGRAM_A, Console, hr_console, sign_in


@pytest.fixture
async def console(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Console]:
    async with hr_console(tmp_path, sqlite_url) as running:
        yield running


async def test_issue_a_key_once_then_revoke_it(console: Console, context: BrowserContext) -> None:
    page = await context.new_page()
    await sign_in(page, console, ADA)
    await page.click("a:has-text('API keys')")
    assert page.url == f"{console.base_url}/hr/api-keys"
    assert "No API key issued yet." in await page.inner_text("main")

    await page.fill("#key-name", "eng dashboard")
    await page.check("input[name=role][value=program_manager]")
    await page.check(f"input[name=programs][value='{PROGRAM_A}']")
    await page.click("button:has-text('Issue the key')")
    key = await page.input_value("#issued-key")
    assert key.startswith("mfk_")
    assert "shown only this once" in await page.inner_text("main")

    async with httpx.AsyncClient(base_url=console.base_url) as http:
        used = await http.get("/api/v1/cohorts", headers={"X-API-Key": key})
        assert used.status_code == 200
        assert {c["program"] for c in used.json()} == {PROGRAM_A}

        # Never again: not on the list, not after a reload of the list.
        await page.goto(f"{console.base_url}/hr/api-keys")
        html = await page.content()
        secret = key.rsplit("_", 1)[-1]
        assert key not in html and secret not in html
        assert await page.locator("#issued-key").count() == 0
        row = page.locator("tr", has_text="eng dashboard")
        assert "manager of " + PROGRAM_A in await row.inner_text()

        await row.locator("a:has-text('Revoke')").click()
        assert "cannot be undone" in await page.inner_text("main")
        await page.click("button:has-text('Revoke')")
        assert page.url == f"{console.base_url}/hr/api-keys"
        assert "it no longer works" in await page.inner_text("main")
        assert "revoked" in await page.locator("tr", has_text="eng dashboard").inner_text()

        refused = await http.get("/api/v1/cohorts", headers={"X-API-Key": key})
        assert refused.status_code == 401
    assert [a for a, r, _ in console.audit(ADA) if r == "ok"][-2:] == [
        "issue_api_key",
        "revoke_api_key",
    ]


async def test_managers_and_forms_without_csrf_get_nothing(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, console, ANNA, start="/hr/api-keys")
    assert "Only an HR administrator" in await page.inner_text("main")

    # Ada's session, a form posted without its token: refused, nothing issued.
    await page.context.clear_cookies()
    await sign_in(page, console, ADA, start="/hr/api-keys")
    response = await page.request.post(
        f"{console.base_url}/hr/api-keys", form={"name": "sneaky", "role": "administrator"}
    )
    assert response.status == 403
    await page.reload()
    assert "sneaky" not in await page.inner_text("main")
    assert "issue_api_key" not in [a for a, _, _ in console.audit(ADA)]
