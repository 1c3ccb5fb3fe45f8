"""``mentorflow dev`` as a newcomer runs it: it prints the HR console and how
to sign in, and that sign-in goes through the embedded OIDC provider in
Chromium, the only path there is: one click on the example manager's button."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from playwright.async_api import Browser

from tests.conftest import free_port
from tests.support.cli import MENTORFLOW

EXAMPLE_MANAGER = "rosa.delgado@northwind.example"


async def _read_until(stream: asyncio.StreamReader, marker: str, within: float) -> str:
    seen = ""
    async with asyncio.timeout(within):
        while marker not in seen:
            line = await stream.readline()
            if not line:
                raise AssertionError(f"mentorflow dev ended before printing {marker!r}:\n{seen}")
            seen += line.decode()
    return seen


async def test_dev_prints_the_console_and_signs_in_through_its_provider(
    tmp_path: Path, browser: Browser
) -> None:
    web_port, oidc_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    env |= {
        "MENTORFLOW_VAR_DIR": str(tmp_path / "var"),
        "MENTORFLOW_TEMPORAL_DEV_PORT": str(free_port()),
        "MENTORFLOW_WEB_PORT": str(web_port),
        "MENTORFLOW_BASE_URL": f"http://127.0.0.1:{web_port}",
        "MENTORFLOW_SMTP_PORT": str(free_port()),
        "MENTORFLOW_OIDC_DEV_PORT": str(oidc_port),
    }
    process = await asyncio.create_subprocess_exec(
        str(MENTORFLOW),
        "dev",
        "--no-ui",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    try:
        output = await _read_until(process.stdout, "Ctrl-C stops everything", within=120)
        console_url = f"http://127.0.0.1:{web_port}/hr"
        issuer = f"http://127.0.0.1:{oidc_port}"
        assert f"HR console   {console_url}" in output, output
        assert f"sign in at the provider {issuer}: click {EXAMPLE_MANAGER}" in output, output

        page = await browser.new_page()
        await page.goto(console_url)
        assert page.url.startswith(f"{issuer}/oauth2/authorize?")
        # One click: the example program's managers are buttons on the form.
        await page.click(f"button[name=sub][value='{EXAMPLE_MANAGER}']")
        await page.wait_for_url(f"{console_url}**")
        # Signed in; no cohort of the example program is launched yet, so the
        # console says so instead of showing an empty program.
        text = await page.inner_text("main")
        assert f"You are signed in as {EXAMPLE_MANAGER}" in text
        assert "once a cohort of it is launched" in text
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        rest = await process.communicate()
    assert process.returncode == 0, rest
