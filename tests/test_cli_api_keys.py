"""``mentorflow hr api-key issue | list | revoke`` at a shell: the key printed
once works against the API, the list never shows it, a revoked key is
refused, and bad input is one ``error:`` line and exit 1."""

from __future__ import annotations

import os
from pathlib import Path

from mentorflow.hr.api_keys import check_api_key, pepper_from
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.support.cli import mentorflow

SECRET_KEY = "cli-test-secret"


def works(database_url: str, key: str) -> str:
    """What checking ``key`` says: '' when it works, else why not."""
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            return check_api_key(session, pepper_from(SECRET_KEY), key)[1]
    finally:
        engine.dispose()


async def test_issue_list_revoke_at_the_shell(sqlite_url: str, tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")} | {
        "MENTORFLOW_DATABASE_URL": sqlite_url,
        "MENTORFLOW_VAR_DIR": str(tmp_path / "var"),
        "MENTORFLOW_SECRET_KEY": SECRET_KEY,
        "COLUMNS": "200",
    }
    code, out = await mentorflow(
        environ, "hr", "api-key", "issue", "--name", "sync", "--program", "Engineering Mentoring"
    )
    assert code == 0, out
    key = out.strip().splitlines()[-1]
    key_id = key.split("_")[1]
    assert key.startswith("mfk_") and "not shown again" in out
    assert works(sqlite_url, key) == ""

    code, out = await mentorflow(environ, "hr", "api-key", "list")
    assert code == 0 and key_id in out and "program manager" in out and "active" in out
    assert key.rsplit("_", 1)[-1] not in out

    code, out = await mentorflow(environ, "hr", "api-key", "revoke", key_id)
    assert code == 0 and f"revoked api-key:{key_id}" in out
    assert works(sqlite_url, key) == "revoked"
    code, out = await mentorflow(environ, "hr", "api-key", "revoke", key_id)
    assert code == 1 and "error:" in out and "revoked already" in out

    code, out = await mentorflow(
        environ, "hr", "api-key", "issue", "--name", "late", "--expires", "2001-01-01"
    )
    assert code == 1 and "error:" in out and "past" in out
