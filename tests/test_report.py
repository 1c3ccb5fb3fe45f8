"""The cohort report from real stored rows (SQLite and PostgreSQL): what the
check-ins named and the open blockers of running pairs, in JSON, HTML and CSV;
CSV is one table a file and no cell runs as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from mentorflow.cli.main import app
from mentorflow.report import CohortReport, OpenBlocker, build_report, to_csv, to_html, to_json
from mentorflow.settings import get_settings
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.support.answers import (
    BLOCKED,
    COHORT,
    ENDED,
    HOSTILE_NAME,
    HOSTILE_REASON,
    OPEN_BLOCKER,
    OPEN_BLOCKER_ON,
    cohort_with_answers,
)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            cohort_with_answers(session)
        with make_sessionmaker(engine)() as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture
def report(session: Session) -> CohortReport:
    return build_report(session, COHORT, datetime.now(UTC))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_the_report_counts_what_the_checkins_named(report: CohortReport) -> None:
    """Check-ins, not answers: both people naming something in one check-in count once;
    a blank answer names nothing."""
    assert report.checkins == 6 and report.answers == 7
    assert report.checkins_with_introductions == 2  # Blocked 1 and 2
    assert report.checkins_with_decisions == 1  # Blocked 1; the ended pair's is blank
    assert report.checkins_with_blockers == 4  # Blocked 1 and 2, Unblocked 1, Ended 1


def test_hr_sees_the_latest_open_blocker_of_each_running_pair(report: CohortReport) -> None:
    """Not the one a later check-in answered without a blocker, nor an ended pair's."""
    assert report.open_blockers == [
        OpenBlocker(
            mentorship_id=BLOCKED,
            mentor="Ada Lovelace",
            mentee="Grace Hopper",
            named_by="Grace Hopper",
            checkin=2,
            named_on=OPEN_BLOCKER_ON,
            blocker=OPEN_BLOCKER,
        )
    ]


def test_json_and_html_show_them(report: CohortReport) -> None:
    document = json.loads(to_json(report))
    assert document["checkins_with_blockers"] == 4
    assert document["open_blockers"][0]["blocker"] == OPEN_BLOCKER
    assert document["open_blockers"][0]["named_on"] == OPEN_BLOCKER_ON.isoformat()
    html = to_html(report)
    assert "Open blockers of running pairs" in html and OPEN_BLOCKER in html
    assert "introductions made" in html and "upcoming decisions" in html


def test_csv_is_one_table_a_file(report: CohortReport) -> None:
    summary = _rows(to_csv(report))
    assert summary[0] == ["metric", "value"] and all(len(row) == 2 for row in summary)
    figures = dict(summary[1:])
    assert figures["pairs"] == "3" and figures["checkins_with_introductions"] == "2"
    assert figures["outcomes.ended_early"] == "1"
    assert not any(name.startswith(("early_ends", "open_blockers")) for name in figures)

    ends = list(csv.DictReader(io.StringIO(to_csv(report, "early-ends"))))
    assert [(e["mentorship_id"], e["outcome"]) for e in ends] == [(ENDED, "ended_early")]
    blockers = list(csv.DictReader(io.StringIO(to_csv(report, "blockers"))))
    assert [(b["mentorship_id"], b["checkin"], b["named_on"]) for b in blockers] == [
        (BLOCKED, "2", OPEN_BLOCKER_ON.isoformat())
    ]
    with pytest.raises(ValueError, match="summary, early-ends, blockers"):
        to_csv(report, "pairs")


def test_no_csv_cell_runs_as_a_formula(report: CohortReport) -> None:
    """OWASP: a text cell starting with = + - @ tab or CR is prefixed with '; a
    number is written as it is."""
    [end] = list(csv.DictReader(io.StringIO(to_csv(report, "early-ends"))))
    assert end["mentee"] == "'" + HOSTILE_NAME
    assert end["reason"] == "'" + HOSTILE_REASON
    [blocker] = list(csv.DictReader(io.StringIO(to_csv(report, "blockers"))))
    assert blocker["blocker"] == "'" + OPEN_BLOCKER
    tab = report.model_copy(
        update={"program_name": "\tlooks blank", "cohort": "\r=1+1", "graduates": -1}
    )
    figures = dict(_rows(to_csv(tab))[1:])
    assert figures["program_name"] == "'\tlooks blank" and figures["cohort"] == "'\r=1+1"
    assert figures["graduates"] == "-1", "a number is not text: it stays a number"
    for table in ("summary", "early-ends", "blockers"):
        for row in _rows(to_csv(report, table)):
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (table, cell)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, db_url: str, session: Session) -> Iterator[CliRunner]:
    for name in list(os.environ):
        if name.startswith("MENTORFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MENTORFLOW_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_report_writes_the_csv_table_asked_for(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "blockers.csv"
    result = runner.invoke(
        app, ["report", COHORT, "--format", "csv", "--table", "blockers", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert _rows(out.read_text())[0][-1] == "blocker"
    summary = runner.invoke(app, ["report", COHORT, "--format", "csv"])
    assert summary.exit_code == 0 and _rows(summary.stdout)[0] == ["metric", "value"]
    for wrong in (
        ["--format", "csv", "--table", "pairs"],
        ["--format", "json", "--table", "summary"],
    ):
        refused = runner.invoke(app, ["report", COHORT, *wrong])
        assert refused.exit_code == 2 and "--table" in refused.output
