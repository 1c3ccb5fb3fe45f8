"""The HR console over HTTP with ``seed_insights`` in its store, and a
Chromium context without JavaScript (the console is plain HTML)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from playwright.async_api import Browser, BrowserContext

from tests.support.hr import Console, hr_console
from tests.support.insights import seed_insights


@asynccontextmanager
async def console_with_pairs(tmp_path: Path, db_url: str) -> AsyncIterator[Console]:
    async with hr_console(tmp_path, db_url) as console:
        seed_insights(db_url)
        yield console


@asynccontextmanager
async def plain_context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(java_script_enabled=False)
    try:
        yield context
    finally:
        await context.close()


@asynccontextmanager
async def api_as(console: Console, email: str) -> AsyncIterator[httpx.AsyncClient]:
    """An integration calling ``/api/v1`` with ``email``'s access token."""
    token = await console.access_token(email)
    async with httpx.AsyncClient(
        base_url=f"{console.base_url}/api/v1", headers={"Authorization": f"Bearer {token}"}
    ) as http:
        yield http
