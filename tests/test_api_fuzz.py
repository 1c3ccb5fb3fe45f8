"""Schemathesis against the running API, over HTTP, for every operation the
OpenAPI document lists: no 500s, and every answer has a documented status,
content type and schema. Once with an administrator's API key, once with a
program manager's. Temporal is not running: an operation that needs it must
answer with its documented 503, not fail."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mentorflow.hr.api_keys import ApiKeyRequest, KeyRole, issue_api_key, pepper_from
from mentorflow.hr.audited import Actor
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import free_port
from tests.support.hr import PROGRAM_A, Console, hr_console

ST = str(Path(sys.executable).with_name("st"))
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)


@pytest.fixture
async def console(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Console]:
    # Nothing listens here: operations that need Temporal meet it unreachable.
    monkeypatch.setenv("MENTORFLOW_TEMPORAL_ADDRESS", f"127.0.0.1:{free_port()}")
    async with hr_console(tmp_path, sqlite_url) as running:
        yield running


def issued_key(console: Console, request: ApiKeyRequest) -> str:
    engine = make_engine(console.db_url)
    try:
        pepper = pepper_from(console.settings.resolved_secret_key)
        sessions = make_sessionmaker(engine)
        return issue_api_key(sessions, pepper, request, actor=Actor(who="fuzz-setup")).key
    finally:
        engine.dispose()


# A program that exists, so a program's reads answer 200 (and are held to
# their schema) as well as 403 and 404 for the names generated. Temporal is
# down, so an operation that needs it answers its documented 503
# (temporal_unavailable): that is the one server status expected; any 500 fails.
CONFIG = f"""
[checks.not_a_server_error]
expected-statuses = ["2xx", "3xx", "4xx", "503"]

[[operations]]
include-path = "/programs/{{name}}/cohorts"
parameters = {{ "path.name" = "{PROGRAM_A}" }}
"""


async def schemathesis(console: Console, key: str, tmp_path: Path) -> tuple[int, str]:
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    process = await asyncio.create_subprocess_exec(
        ST,
        "--config-file",
        str(config),
        "run",
        f"{console.base_url}/api/v1/openapi.json",
        "--url",
        f"{console.base_url}/api/v1",
        "--header",
        f"Authorization: Bearer {key}",
        "--checks",
        CHECKS,
        # Not 'stateful': it would chain calls (revoking the key in use).
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "10",
        "--workers",
        "1",
        "--seed",
        "9",
        "--generation-with-security-parameters",
        "false",
        "--request-timeout",
        "20",
        "--no-color",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode or 0, output.decode(errors="replace")


async def test_every_operation_answers_as_documented(console: Console, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=console.base_url) as http:
        document = (await http.get("/api/v1/openapi.json")).json()
        assert document["openapi"].startswith("3.")
        assert set(document["components"]["securitySchemes"]) >= {"bearer", "apiKey", "csrf"}
        for item in document["paths"].values():
            for operation in item.values():
                assert {"401", "403", "422"} <= set(operation["responses"]), operation
        missing = await http.get("/api/v1/no-such-thing", headers={"X-API-Key": "mfk_x"})
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"

    admin = issued_key(console, ApiKeyRequest(name="fuzz admin", role=KeyRole.ADMINISTRATOR))
    manager = issued_key(
        console,
        ApiKeyRequest(name="fuzz manager", role=KeyRole.PROGRAM_MANAGER, programs=[PROGRAM_A]),
    )
    for key in (admin, manager):
        code, output = await schemathesis(console, key, tmp_path)
        assert code == 0, output
