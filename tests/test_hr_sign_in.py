"""HR sign-in in headless Chromium through the real OIDC provider
(oidc-provider-mock on loopback): redirects, roles, scope, CSRF, sign-out and
the audit rows each of them leaves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.async_api import BrowserContext

from tests.support.hr import (
    ADA,
    ADMIN_GROUP,
    ALEX,
    ANNA,
    BEN,
    COHORT_A,
    COHORT_B,
    GUS,
    NOBODY,
    PROGRAM_A,
    PROGRAM_B,
    Console,
    hr_console,
    sign_in,
)


@pytest.fixture
async def console(tmp_path: Path, sqlite_url: str) -> AsyncIterator[Console]:
    async with hr_console(tmp_path, sqlite_url) as running:
        yield running


async def test_anonymous_console_goes_to_sign_in_and_comes_back_scoped(
    console: Console, context: BrowserContext
) -> None:
    await console.give_claims(ANNA, name="Anna Lead")
    page = await context.new_page()
    await sign_in(page, console, ANNA, start=f"/hr/programs/{quote(PROGRAM_A)}")

    # Back where she was going, then on the programs page: A only.
    assert page.url == f"{console.base_url}/hr/programs/{quote(PROGRAM_A)}"
    await page.goto(f"{console.base_url}/hr")
    text = await page.inner_text("main")
    assert PROGRAM_A in text and COHORT_A in text
    assert PROGRAM_B not in text and COHORT_B not in text
    row = await page.inner_text(f"tr:has-text('{COHORT_A}')")
    assert row.split("\t")[-2:] == ["2", "0"], row  # applications, pairs
    assert "Anna Lead <anna.lead@corp.example>" in await page.inner_text("header")

    cookie = next(c for c in await context.cookies() if c["name"] == "mentorflow_hr")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert ("sign_in", "ok", "") in console.audit(ANNA)
    sign_in_row = next(r for r in console.audit_rows() if r.action == "sign_in")
    assert sign_in_row.detail["roles"] == ["program_manager"]
    assert len(sign_in_row.request_id) == 32


async def test_a_second_manager_named_in_the_file_signs_in(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, console, ALEX)
    assert PROGRAM_A in await page.inner_text("main")


async def test_manager_of_a_is_refused_b_in_pages_and_api(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, console, ANNA)

    response = await page.goto(f"{console.base_url}/hr/programs/{quote(PROGRAM_B)}")
    assert response is not None and response.status == 403
    text = await page.inner_text("main")
    assert "No access" in text and ANNA in text and PROGRAM_B in text
    assert COHORT_B not in text

    # The API with the same browser session: scoped the same way.
    api = page.request
    refused = await api.get(f"{console.base_url}/api/v1/programs/{quote(PROGRAM_B)}/cohorts")
    assert refused.status == 403
    assert (await refused.json())["code"] == "forbidden"
    allowed = await api.get(f"{console.base_url}/api/v1/programs/{quote(PROGRAM_A)}/cohorts")
    assert allowed.status == 200
    assert [c["name"] for c in await allowed.json()] == [COHORT_A]
    everything = await api.get(f"{console.base_url}/api/v1/cohorts")
    cohorts = await everything.json()
    assert [(c["name"], c["program"], c["applications"]) for c in cohorts] == [
        (COHORT_A, PROGRAM_A, 2)
    ]
    assert everything.headers["cache-control"] == "no-store"

    refusals = [r for r in console.audit_rows() if r.actor == ANNA and r.result == "refused"]
    assert [r.target for r in refusals] == [
        f"/hr/programs/{PROGRAM_B}",
        f"/api/v1/programs/{PROGRAM_B}/cohorts",
    ]
    assert all("not in scope" in r.detail["reason"] for r in refusals)


async def test_anonymous_api_gets_json_401(console: Console) -> None:
    async with httpx.AsyncClient(base_url=console.base_url) as http:
        for path in ("/api/v1/cohorts", f"/api/v1/programs/{quote(PROGRAM_A)}/cohorts"):
            response = await http.get(path)
            assert response.status_code == 401
            assert response.json()["code"] == "unauthenticated"
            assert response.headers["www-authenticate"] == "Bearer"
        forged = await http.get("/api/v1/cohorts", headers={"Authorization": "Bearer not-a-token"})
        assert forged.status_code == 401
        # The console pages send the browser to sign in instead.
        page = await http.get("/hr")
        assert page.status_code == 303
        assert page.headers["location"] == "/hr/sign-in?next=%2Fhr"


async def test_api_accepts_the_providers_access_token(console: Console) -> None:
    token = await console.access_token(BEN)
    async with httpx.AsyncClient(
        base_url=console.base_url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        response = await http.get("/api/v1/cohorts")
        assert response.status_code == 200
        assert [c["name"] for c in response.json()] == [COHORT_B]
        refused = await http.get(f"/api/v1/programs/{quote(PROGRAM_A)}/cohorts")
        assert refused.status_code == 403
    assert ("access", "refused", f"/api/v1/programs/{PROGRAM_A}/cohorts") in console.audit(BEN)


async def test_post_without_csrf_token_is_refused_and_changes_nothing(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, console, ANNA)
    before = len(console.audit_rows())

    # Sign-out is the console's state-changing request today: forged without
    # the token (as another site's form would post it), then with a wrong one.
    for form in ({}, {"csrf_token": "guessed"}):
        forged = await page.request.post(f"{console.base_url}/hr/sign-out", form=form)
        assert forged.status == 403
        assert "nothing was changed" in await forged.text()

    # Still signed in: nothing changed, and no sign-out was recorded.
    response = await page.goto(f"{console.base_url}/hr")
    assert response is not None and response.status == 200
    assert PROGRAM_A in await page.inner_text("main")
    rows = console.audit_rows()[before:]
    assert [(r.actor, r.action, r.result) for r in rows] == [(ANNA, "access", "refused")] * 2
    assert all(r.detail["reason"] == "missing or wrong CSRF token" for r in rows)


async def test_sign_out_ends_the_session(console: Console, context: BrowserContext) -> None:
    page = await context.new_page()
    await sign_in(page, console, ANNA)
    await page.click("header button:has-text('Sign out')")
    assert "Signed out" in await page.inner_text("main")
    assert not [c for c in await context.cookies() if c["name"] == "mentorflow_hr"]

    await page.goto(f"{console.base_url}/hr")
    assert page.url.startswith(f"{console.issuer}/oauth2/authorize?")
    api = await page.request.get(f"{console.base_url}/api/v1/cohorts")
    assert api.status == 401
    assert [a for a, _, _ in console.audit(ANNA)] == ["sign_in", "sign_out"]


async def test_someone_without_a_role_sees_no_access(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await sign_in(page, console, NOBODY)
    assert page.url == f"{console.base_url}/hr"
    text = await page.inner_text("main")
    assert "No access" in text
    assert f"You are signed in as {NOBODY}" in text
    assert PROGRAM_A not in text and PROGRAM_B not in text
    api = await page.request.get(f"{console.base_url}/api/v1/cohorts")
    assert api.status == 403

    # The page's own sign-out form carries the token and works.
    await page.click("main button:has-text('Sign out')")
    assert "Signed out" in await page.inner_text("main")
    assert [(a, r) for a, r, _ in console.audit(NOBODY)] == [
        ("sign_in", "ok"),
        ("access", "refused"),
        ("access", "refused"),
        ("sign_out", "ok"),
    ]


@pytest.mark.parametrize(("email", "claims"), [(ADA, {}), (GUS, {"groups": [ADMIN_GROUP]})])
async def test_an_administrator_sees_every_program(
    console: Console, context: BrowserContext, email: str, claims: dict[str, object]
) -> None:
    await console.give_claims(email, **claims)
    page = await context.new_page()
    await sign_in(page, console, email)
    text = await page.inner_text("main")
    assert PROGRAM_A in text and PROGRAM_B in text
    response = await page.goto(f"{console.base_url}/hr/programs/{quote(PROGRAM_B)}")
    assert response is not None and response.status == 200
    everything = await page.request.get(f"{console.base_url}/api/v1/cohorts")
    assert sorted(c["name"] for c in await everything.json()) == [COHORT_A, COHORT_B]
    row = next(r for r in console.audit_rows() if r.actor == email)
    assert row.detail["roles"] == ["administrator"]


async def test_someone_in_another_group_is_no_administrator(
    console: Console, context: BrowserContext
) -> None:
    await console.give_claims(NOBODY, groups=["everyone"])
    page = await context.new_page()
    await sign_in(page, console, NOBODY)
    assert "No access" in await page.inner_text("main")


async def test_a_refused_sign_in_is_recorded_and_offers_to_try_again(
    console: Console, context: BrowserContext
) -> None:
    page = await context.new_page()
    await page.goto(f"{console.base_url}/hr")
    await page.click("button:has-text('Deny')")
    await page.wait_for_url(f"{console.base_url}/**")
    text = await page.inner_text("main")
    assert "Sign-in did not complete" in text and "denied the request" in text
    api = await page.request.get(f"{console.base_url}/api/v1/cohorts")
    assert api.status == 401
    failed = [r for r in console.audit_rows() if r.action == "sign_in"]
    assert [(r.actor, r.result, r.detail["error"]) for r in failed] == [
        ("anonymous", "failed", "access_denied")
    ]


async def test_a_callback_this_browser_did_not_start_is_refused(console: Console) -> None:
    # A code and state from someone else's sign-in (login CSRF): no session here.
    async with httpx.AsyncClient(base_url=console.base_url) as http:
        response = await http.get("/hr/auth/callback", params={"code": "c", "state": "s"})
        assert response.status_code == 400
        assert "Sign-in did not complete" in response.text
        assert (await http.get("/api/v1/cohorts")).status_code == 401
    assert [r.result for r in console.audit_rows() if r.action == "sign_in"] == ["failed"]


async def test_an_unverified_email_signs_no_one_in(
    console: Console, context: BrowserContext
) -> None:
    await console.give_claims(ADA, email_verified=False)
    page = await context.new_page()
    await sign_in(page, console, ADA)
    assert "Sign-in did not complete" in await page.inner_text("main")
    assert (await page.request.get(f"{console.base_url}/api/v1/cohorts")).status == 401
    failed = [r for r in console.audit_rows() if r.action == "sign_in"]
    assert [(r.actor, r.result, r.detail["error"]) for r in failed] == [
        ("anonymous", "failed", "no verified email")
    ]
