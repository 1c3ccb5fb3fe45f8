"""API keys over real HTTP: an administrator issues one (with an OIDC token),
an integration uses it, the administrator revokes it and it stops working,
every step on record; a program manager's key keeps to its programs; the
store holds only a hash of the secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select

from mentorflow.hr.api_keys import (
    ApiKeyRequest,
    KeyRole,
    check_api_key,
    issue_api_key,
    pepper_from,
)
from mentorflow.hr.audited import Actor
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import ApiKey
from tests.support.hr import ADA, ANNA, COHORT_A, PROGRAM_A, PROGRAM_B, Console, hr_console


@pytest.fixture
async def console(tmp_path: Path, db_url: str) -> AsyncIterator[Console]:
    async with hr_console(tmp_path, db_url) as running:
        yield running


async def issue(console: Console, http: httpx.AsyncClient, **body: object) -> dict:
    token = await console.access_token(ADA)
    response = await http.post(
        "/api/v1/api-keys", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_issue_use_revoke_then_refused_and_on_record(console: Console) -> None:
    async with httpx.AsyncClient(base_url=console.base_url) as http:
        issued = await issue(console, http, name="payroll sync", role="administrator")
        key, key_id = issued["key"], issued["api_key"]["key_id"]
        assert key.startswith(f"mfk_{key_id}_")

        # Both ways of sending it work, and the key acts as an administrator.
        for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
            cohorts = await http.get("/api/v1/cohorts", headers=headers)
            assert cohorts.status_code == 200, cohorts.text
            assert {c["program"] for c in cohorts.json()} == {PROGRAM_A, PROGRAM_B}

        # A state-changing call with the key needs no CSRF token; the row names the key.
        admin = {"Authorization": f"Bearer {key}"}
        second = await http.post(
            "/api/v1/api-keys",
            json={"name": "report export", "role": "program_manager", "programs": [PROGRAM_A]},
            headers=admin,
        )
        assert second.status_code == 201, second.text
        listed = (await http.get("/api/v1/api-keys", headers=admin)).json()
        assert [k["name"] for k in listed] == ["report export", "payroll sync"]
        assert listed[1]["last_used_at"] is not None
        assert "key" not in listed[0] and "secret_hash" not in listed[0]

        token = await console.access_token(ADA)
        revoked = await http.post(
            f"/api/v1/api-keys/{key_id}/revoke", headers={"Authorization": f"Bearer {token}"}
        )
        assert revoked.status_code == 200 and revoked.json()["revoked_by"] == ADA
        again = await http.post(
            f"/api/v1/api-keys/{key_id}/revoke", headers={"Authorization": f"Bearer {token}"}
        )
        assert again.status_code == 409 and again.json()["code"] == "conflict"

        refused = await http.get("/api/v1/cohorts", headers=admin)
        assert refused.status_code == 401
        assert refused.json()["code"] == "unauthenticated"
        assert "revoked" in refused.json()["message"]

        unknown = await http.get("/api/v1/cohorts", headers={"X-API-Key": key[:-4] + "AAAA"})
        assert unknown.status_code == 401 and unknown.json()["code"] == "unauthenticated"

        # A key never opens the console: the page still asks to sign in.
        page = await http.get("/hr", headers={"X-API-Key": second.json()["key"]})
        assert page.status_code == 303 and "/hr/sign-in" in page.headers["location"]

    label = f"api-key:{key_id} (payroll sync)"
    assert console.audit(ADA) == [
        ("issue_api_key", "ok", f"api-key:{key_id}"),
        ("revoke_api_key", "ok", f"api-key:{key_id}"),
        ("revoke_api_key", "refused", f"api-key:{key_id}"),
    ]
    second_id = second.json()["api_key"]["key_id"]
    assert console.audit(label) == [("issue_api_key", "ok", f"api-key:{second_id}")]
    refusals = [
        r for r in console.audit_rows() if r.actor == f"api-key:{key_id}" and r.action == "access"
    ]
    assert [(r.result, r.detail["reason"]) for r in refusals] == [
        ("refused", "API key revoked"),
        ("refused", "API key unknown"),  # its id with a wrong secret
    ]


async def test_program_managers_key_keeps_to_its_programs(console: Console) -> None:
    async with httpx.AsyncClient(base_url=console.base_url) as http:
        issued = await issue(
            console, http, name="eng dashboard", role="program_manager", programs=[PROGRAM_A]
        )
        key = {"X-API-Key": issued["key"]}
        mine = await http.get(f"/api/v1/programs/{quote(PROGRAM_A)}/cohorts", headers=key)
        assert mine.status_code == 200 and [c["name"] for c in mine.json()] == [COHORT_A]
        theirs = await http.get(f"/api/v1/programs/{quote(PROGRAM_B)}/cohorts", headers=key)
        assert theirs.status_code == 403 and theirs.json()["code"] == "forbidden"
        every = await http.get("/api/v1/cohorts", headers=key)
        assert {c["program"] for c in every.json()} == {PROGRAM_A}
        # Not an administrator: may not list or issue keys.
        assert (await http.get("/api/v1/api-keys", headers=key)).status_code == 403
        escalate = await http.post(
            "/api/v1/api-keys", json={"name": "x", "role": "administrator"}, headers=key
        )
        assert escalate.status_code == 403

        # Bad requests are JSON with the code 'invalid'; nothing is issued.
        token = await console.access_token(ADA)
        bad = await http.post(
            "/api/v1/api-keys",
            json={"name": "no scope", "role": "program_manager", "programs": []},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert bad.status_code == 422 and bad.json()["code"] == "invalid"
    label = f"api-key:{issued['api_key']['key_id']} (eng dashboard)"
    assert [(a, r) for a, r, _ in console.audit(label)] == [("access", "refused")] * 3
    assert [a for a, _, _ in console.audit(ANNA)] == []


async def test_only_the_hash_of_the_secret_is_stored(console: Console) -> None:
    async with httpx.AsyncClient(base_url=console.base_url) as http:
        issued = await issue(console, http, name="hris", role="administrator")
    secret = issued["key"].removeprefix(f"mfk_{issued['api_key']['key_id']}_")
    engine = make_engine(console.db_url)
    try:
        with make_sessionmaker(engine)() as session:
            row = session.scalars(select(ApiKey)).one()
            values = [str(getattr(row, c.key)) for c in ApiKey.__table__.columns]
        with engine.connect() as connection:
            dumped = repr(connection.exec_driver_sql("SELECT * FROM api_keys").all())
    finally:
        engine.dispose()
    assert secret not in dumped and not any(secret in v for v in values)
    assert len(row.secret_hash) == 64 and row.secret_hash not in issued["key"]


def test_an_expired_key_stops_working(sqlite_url: str) -> None:

    engine = make_engine(sqlite_url)
    try:
        sessions = make_sessionmaker(engine)
        pepper = pepper_from("test-secret")
        now = datetime.now(UTC)
        wanted = ApiKeyRequest(
            name="temp", role=KeyRole.ADMINISTRATOR, expires_at=now + timedelta(days=1)
        )
        key = issue_api_key(sessions, pepper, wanted, actor=Actor(who=ADA), now=now).key
        with sessions.begin() as session:
            assert check_api_key(session, pepper, key, now + timedelta(hours=23))[1] == ""
            later = now + timedelta(days=1, seconds=1)
            assert check_api_key(session, pepper, key, later) == (None, "expired")
            # Another server's pepper (another secret key) does not accept it.
            other = pepper_from("another-secret")
            assert check_api_key(session, other, key, now) == (None, "unknown")
    finally:
        engine.dispose()
