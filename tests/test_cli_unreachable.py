"""With no Temporal at the configured address, every command that needs it
says so in one line (which address, which namespace, what to check) and
exits 1: no traceback, and nothing half done."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from mentorflow.directory import import_directory
from mentorflow.program import load_program
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade
from tests.conftest import free_port

MENTORFLOW = Path(sys.executable).parent / "mentorflow"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PAIR = "mentorship:c:E001:E002"

COMMANDS = [
    ["cohort", "launch", str(EXAMPLES / "program.yaml"), "--name", "fresh"],
    ["cohort", "status", "open"],
    ["cohort", "close", "open"],
    ["cohort", "approve", "open"],
    ["cohort", "applications", "import", "open", str(EXAMPLES / "applications.csv")],
    ["mentorship", "show", PAIR],
    ["mentorship", "pause", PAIR, "--reason", "leave"],
    ["mentorship", "resume", PAIR],
    ["mentorship", "end", PAIR, "--reason", "moved team"],
    ["hris", "sync", "--csv", str(EXAMPLES / "directory.csv")],
    ["hris", "schedule"],
]


@pytest.fixture(scope="module")
def environ(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A store with the example directory and an open cohort, and a Temporal
    address where nothing listens."""
    var = tmp_path_factory.mktemp("unreachable") / "var"
    url = f"sqlite:///{var / 'mentorflow.db'}"
    var.mkdir()
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, EXAMPLES / "directory.csv").errors
        now = datetime.now(UTC)
        program = load_program(EXAMPLES / "program.yaml")
        cohorts.create_cohort(
            session, "open", program, opens_at=now, closes_at=now + timedelta(days=7)
        )
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    return env | {
        "MENTORFLOW_VAR_DIR": str(var),
        "MENTORFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "MENTORFLOW_TEMPORAL_NAMESPACE": "hr",
        "MENTORFLOW_HRIS_CSV_PATH": str(EXAMPLES / "directory.csv"),
    }


def _run(environ: dict[str, str], args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(MENTORFLOW), *args], capture_output=True, text=True, timeout=60, env=environ
    )


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_an_unreachable_temporal_is_one_line(environ: dict[str, str], args: list[str]) -> None:
    result = _run(environ, args)
    address = environ["MENTORFLOW_TEMPORAL_ADDRESS"]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [
        f"error: cannot reach Temporal at {address} (namespace hr): tcp connect error: "
        "Connection refused; is the server running? check MENTORFLOW_TEMPORAL_ADDRESS"
    ]


def test_a_launch_that_could_not_reach_temporal_can_be_tried_again(
    environ: dict[str, str],
) -> None:
    """The cohort's row is written only once Temporal answered: the second try
    fails the same way, not with 'exists already'."""
    args = ["cohort", "launch", str(EXAMPLES / "program.yaml"), "--name", "again"]
    first, second = _run(environ, args), _run(environ, args)
    assert first.returncode == second.returncode == 1
    assert "cannot reach Temporal" in second.stderr
    assert "exists already" not in second.stderr


async def test_a_namespace_the_server_does_not_have_is_named(
    dev_env: WorkflowEnvironment, environ: dict[str, str]
) -> None:
    """A frontend that answers but lacks the namespace: every call would come
    back "not found", which the CLI would read as "no such cohort"."""
    address = dev_env.client.service_client.config.target_host
    result = await asyncio.to_thread(
        _run, environ | {"MENTORFLOW_TEMPORAL_ADDRESS": address}, ["cohort", "status", "open"]
    )
    assert result.returncode == 1, result.stdout
    assert result.stderr.splitlines() == [
        f"error: Temporal at {address} has no namespace 'hr'; check MENTORFLOW_TEMPORAL_NAMESPACE"
    ]
