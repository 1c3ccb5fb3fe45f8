"""The ``mentorflow`` command: help, the database commands, and honest exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from mentorflow.cli.main import app
from mentorflow.settings import get_settings

MENTORFLOW = Path(sys.executable).parent / "mentorflow"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CliRunner]:
    """A runner whose settings come from a clean environment under tmp_path."""
    for name in list(os.environ):
        if name.startswith("MENTORFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MENTORFLOW_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_help_lists_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "demo", "worker", "web", "db"):
        assert command in result.output


def test_console_script_is_installed() -> None:
    result = subprocess.run(
        [str(MENTORFLOW), "db", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "upgrade" in result.stdout and "current" in result.stdout


def test_db_upgrade_creates_the_schema(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("MENTORFLOW_DATABASE_URL", url)

    before = runner.invoke(app, ["db", "current"])
    assert before.exit_code == 1
    assert "mentorflow db upgrade" in before.output

    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "is at revision" in upgraded.output
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"mentorships", "email_outbox", "used_links", "people"} <= tables

    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 0
    assert current.output.split()[-1] == upgraded.output.split()[-1]

    again = runner.invoke(app, ["db", "upgrade"])
    assert again.exit_code == 0, "upgrading a database at head changes nothing"


def test_db_upgrade_default_database_is_under_var(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "var" / "mentorflow.db").exists()


def test_bad_database_url_is_a_clear_error(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "MENTORFLOW_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/x"
    )
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 1
    assert "error: database" in result.output
    assert "secret" not in result.output, "the password is never printed"


def test_demo_with_a_broken_file_exits_1_and_says_why(tmp_path: Path) -> None:
    broken = tmp_path / "demo.yaml"
    broken.write_text("program:\n  cadence: PT20S\npairs: []\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    env["MENTORFLOW_VAR_DIR"] = str(tmp_path / "var")
    result = subprocess.run(
        [str(MENTORFLOW), "demo", "--file", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 1
    assert "does not describe a demo" in result.stderr
    assert "pairs" in result.stderr
    assert not (tmp_path / "var").exists(), "nothing started for a file that cannot run"
