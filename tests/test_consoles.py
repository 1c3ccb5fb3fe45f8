"""Output that is not a terminal is never wrapped or cut: a long path stays on
its line, a demo table shows its cells in full, whatever ``COLUMNS`` says or
how wide the terminal running pytest is."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mentorflow.consoles import ProjectConsole, stdout_console
from mentorflow.demo.display import PairStatus, summary_view
from mentorflow.demo.plan import DemoGoal, DemoMilestone, DemoPair, DemoPerson
from mentorflow.models import MentorshipResult, Outcome
from mentorflow.store.db import head_revision

MENTORFLOW = Path(sys.executable).parent / "mentorflow"


def _long_folder(base: Path) -> Path:
    """Longer than any terminal is wide (some 300 characters)."""
    folder = base.joinpath(*["a-folder-name-that-goes-on-and-on"] * 9)
    folder.mkdir(parents=True)
    return folder


def _mentorflow(tmp_path: Path, columns: str | None, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    env.pop("COLUMNS", None)
    if columns is not None:
        env["COLUMNS"] = columns
    env["MENTORFLOW_VAR_DIR"] = str(_long_folder(tmp_path) / "var")
    # stdin too: Rich asks every standard stream for a terminal size.
    return subprocess.run(
        [str(MENTORFLOW), *args],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.parametrize("columns", [None, "40"])
def test_a_long_database_path_stays_on_one_line(tmp_path: Path, columns: str | None) -> None:
    result = _mentorflow(tmp_path, columns, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    database = next(tmp_path.rglob("mentorflow.db"))
    assert result.stdout.splitlines() == [f"sqlite:///{database} is at revision {head_revision()}"]


@pytest.mark.parametrize("columns", [None, "40"])
def test_a_usage_error_names_the_value_on_one_line(tmp_path: Path, columns: str | None) -> None:
    value = "x" * 120
    result = _mentorflow(tmp_path, columns, "cohort", "approve", "c", "--drop", value)
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if value in line]
    assert line == f"Error: Invalid value: '{value}': write a pair as MENTOR_ID:MENTEE_ID"


def _person(employee_id: str, name: str) -> DemoPerson:
    return DemoPerson(
        employee_id=employee_id, email=f"{employee_id}@example.com", name=name, timezone="UTC"
    )


def test_the_demo_summary_in_a_log_shows_every_cell_in_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # what a pipe got before: Rich's default
    goal = DemoGoal(
        title="Lead a design review", milestones=[DemoMilestone(title="Draft", weeks=2)]
    )
    statuses = [
        PairStatus(
            pair=DemoPair(
                story=story,
                mentor=_person(f"m{n}", "Maximiliane Oppenheimer-Castellanos"),
                mentee=_person(f"e{n}", "Bartholomew Nakamura-Fitzgerald"),
                goals=[goal],
                expect=outcome,
            ),
            workflow_id=f"mentorship:c:m{n}:e{n}",
            result=MentorshipResult(
                mentorship_id=f"mentorship:c:m{n}:e{n}",
                outcome=outcome,
                checkins_held=6,
                milestones_done=2,
                milestones_total=3,
                mean_value=4.5,
            ),
        )
        for n, (story, outcome) in enumerate(
            [
                ("Asks for measurable goals", Outcome.GRADUATED),
                ("Misses two, at risk, recovers", Outcome.GRADUATED),
                ("Ends early (moved team)", Outcome.ENDED_EARLY),
            ]
        )
    ]
    out = io.StringIO()
    stdout_console(file=out).print(summary_view("eng-2027-spring", statuses, mail_count=42))
    text = out.getvalue()
    assert "…" not in text
    rows = [line for line in text.splitlines() if "Maximiliane →" in line]
    assert len(rows) == 3
    assert "Misses two, at risk, recovers" in rows[1] and "graduated" in rows[1]
    assert "ended early" in rows[2]
    assert "2 graduated" in text
    # As wide as its cells, not padded out to the unwrapped width.
    assert max(len(line) for line in text.splitlines()) < 200


@pytest.mark.parametrize("columns", [None, "40"])
def test_help_in_a_pipe_names_settings_whole(tmp_path: Path, columns: str | None) -> None:
    result = _mentorflow(tmp_path, columns, "--help")
    assert result.returncode == 0, result.stderr
    [web] = [line for line in result.stdout.splitlines() if line.strip().startswith("web ")]
    assert (
        web.split(None, 1)[1] == "Run only the web app on MENTORFLOW_WEB_HOST:MENTORFLOW_WEB_PORT."
    )


def test_a_message_on_a_narrow_terminal_is_not_broken_by_rich(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The terminal folds a long line for the eye; Rich inserts no line break,
    so copying the path from the terminal gives it whole. A table still fits."""
    monkeypatch.setenv("COLUMNS", "40")
    path = str(_long_folder(tmp_path) / "mentorflow.db")
    main, secondary = os.openpty()
    with os.fdopen(secondary, "w", encoding="utf-8") as terminal:
        console = ProjectConsole(file=terminal)
        assert console.attached and console.width == 40
        console.print(f"sqlite:///{path} is at revision 0003")
        terminal.flush()
    output = os.read(main, 65536).decode()
    os.close(main)
    assert f"sqlite:///{path} is at revision 0003" in output.replace("\r\n", "\n")


def test_every_console_of_the_package_is_a_project_console() -> None:
    """A module that builds its own Rich ``Console`` wraps piped output at 80
    columns again (``mentorflow hr notices`` did): only ``consoles`` builds one."""
    package = Path(__file__).resolve().parent.parent / "mentorflow"
    builders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "consoles.py" and re.search(r"\bConsole\(", path.read_text())
    ]
    assert builders == []
