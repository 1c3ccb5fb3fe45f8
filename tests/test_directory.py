"""Directory import on SQLite and PostgreSQL: valid rows are imported and bad
ones reported by line, re-importing updates in place, extra columns are kept;
and the reporting-line and tenure helpers that eligibility relies on."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from mentorflow.cli.main import app
from mentorflow.directory import (
    DirectoryFileError,
    HireDateUnknown,
    ImportReport,
    chain_of,
    import_directory,
    manager_map,
    reporting_chain,
    tenure,
)
from mentorflow.settings import PROJECT_ROOT, get_settings
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Person

EXAMPLE = PROJECT_ROOT / "examples" / "directory.csv"
BAD_EXAMPLE = PROJECT_ROOT / "examples" / "bad" / "directory.csv"
HEADER = "employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level"
FIRST_IMPORT = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


@pytest.fixture
def sqlite_sessions(sqlite_url: str) -> Iterator[sessionmaker[Session]]:
    """For what does not depend on the database: parsing and reporting."""
    engine = make_engine(sqlite_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def run_import(
    sessions: sessionmaker[Session], source: Path | str, now: datetime = FIRST_IMPORT
) -> ImportReport:
    with sessions() as session, session.begin():
        return import_directory(session, source, now=now)


def people(sessions: sessionmaker[Session]) -> dict[str, Person]:
    with sessions() as session:
        return {p.employee_id: p for p in session.scalars(select(Person))}


# --------------------------------------------------------------------------- import


def test_the_example_directory_imports_cleanly(sessions: sessionmaker[Session]) -> None:
    report = run_import(sessions, EXAMPLE)
    assert (report.inserted, report.updated, report.unchanged) == (60, 0, 0)
    assert report.errors == [] and report.warnings == []
    chloe = people(sessions)["E012"]
    assert chloe.name == "Chloé Martin"
    assert chloe.email == "chloe.martin@northwind.example"
    assert chloe.manager_id == "E007"
    assert chloe.timezone == "Europe/Paris"
    assert chloe.hire_date == date(2024, 9, 2)
    assert chloe.level == "L3"
    # Extra columns are kept as they came.
    assert chloe.attributes == {"cost_center": "CC-110", "employment_type": "full_time"}
    assert chloe.active and chloe.updated_at == FIRST_IMPORT


def test_bad_rows_are_reported_by_line_and_the_rest_imported(
    sessions: sessionmaker[Session],
) -> None:
    report = run_import(sessions, BAD_EXAMPLE)
    assert [(p.line, p.employee_id, p.field) for p in report.errors] == [
        (3, "B002", "email"),
        (4, "B003", "email"),
        (5, "B004", "timezone"),
        (6, "B005", "hire_date"),
        (10, "B008", "employee_id"),
        (11, "B008", "employee_id"),
        (12, "B009", "manager_id"),
        (13, "B010", "(row)"),
    ]
    reasons = {p.line: p.reason for p in report.errors}
    assert reasons[3] == "required"
    assert reasons[5] == "unknown time zone 'Europe/Manchester' (use an IANA name)"
    assert reasons[6] == "'2022-13-01' is not a date (YYYY-MM-DD)"
    assert reasons[10] == "B008 is also on line(s) 11"
    assert reasons[13] == "10 values for 11 columns"
    assert [(p.line, p.field) for p in report.warnings] == [(9, "manager_id"), (14, "timezone")]
    assert not report.ok

    stored = people(sessions)
    assert sorted(stored) == ["B001", "B006", "B007", "B011"] and report.inserted == 4
    # A quoted value over two lines is one value, and the lines after it still count right.
    assert stored["B006"].title == "Principal Engineer,\nAlgorithms"
    assert stored["B007"].manager_id == "B999"  # kept: the warning says the line ends there
    assert stored["B011"].timezone == "UTC"
    assert stored["B001"].attributes == {"cost_center": "CC-110"}


def test_reimport_updates_in_place_and_counts_the_unchanged(
    sessions: sessionmaker[Session],
) -> None:
    run_import(sessions, EXAMPLE)
    again = run_import(sessions, EXAMPLE, now=FIRST_IMPORT + timedelta(days=1))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 60)

    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    changed = [
        line.replace("Software Engineer,Platform", "Software Engineer II,Platform")
        if line.startswith("E012,")
        else line.replace(",E018,", ",E003,")
        if line.startswith("E021,")
        else line
        for line in lines
        if not line.startswith("E060,")  # someone absent from this export
    ]
    changed.append("E061,new.joiner@northwind.example,New Joiner,Engineer,Data,E031,,UTC,,L3,,")
    later = FIRST_IMPORT + timedelta(days=2)
    report = run_import(sessions, "\n".join(changed) + "\n", now=later)
    assert (report.inserted, report.updated, report.unchanged) == (1, 2, 57)
    stored = people(sessions)
    assert stored["E061"].updated_at == later
    assert stored["E012"].title == "Software Engineer II" and stored["E012"].updated_at == later
    assert stored["E021"].manager_id == "E003"
    assert stored["E013"].updated_at == FIRST_IMPORT
    # Absent from the file is not a leaver: that is the HRIS sync's call.
    assert stored["E060"].active
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 61


def test_an_inactive_person_in_the_file_is_active_again(
    sessions: sessionmaker[Session],
) -> None:
    run_import(sessions, EXAMPLE)
    with sessions() as session, session.begin():
        session.get_one(Person, "E017").active = False
    report = run_import(sessions, EXAMPLE)
    assert report.updated == 1
    assert people(sessions)["E017"].active


def test_a_byte_order_mark_and_loose_header_are_accepted(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    header = (
        " Employee_ID , Email,name,title,department,manager_id,location,timezone,hire_date,level"
    )
    path.write_text(
        "\ufeff" + header + "\nX1,X@Example.COM,Ex Ample,,,,,Asia/Tokyo,,\n", encoding="utf-8"
    )
    report = run_import(sqlite_sessions, path)
    assert report.inserted == 1
    assert people(sqlite_sessions)["X1"].email == "x@example.com"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty; expected a header line"),
        (b"employee_id,email,name\nE1,a@b.example,A\n", "line 1: missing column(s): title,"),
        ((HEADER + ",level\n").encode(), "line 1: column(s) given twice: level"),
        (
            (HEADER + "\nE1,caf\xe9@b.example,A,,,,,UTC,,\n").encode("latin-1"),
            "line 2: not valid UTF-8",
        ),
    ],
)
def test_a_file_that_cannot_be_read_imports_nothing(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "directory.csv"
    path.write_bytes(content)
    with pytest.raises(DirectoryFileError, match=re.escape(message)):
        run_import(sqlite_sessions, path)
    assert people(sqlite_sessions) == {}


def test_a_bad_byte_late_in_the_file_names_its_line_and_imports_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    # Read in two passes: the rows before the bad line are not written either.
    rows = [f"E{n},e{n}@x.example,Person {n},,,,,UTC,," for n in range(1, 1201)]
    rows[1099] = "E1100,caf\xe9@x.example,Café,,,,,UTC,,"
    path = tmp_path / "directory.csv"
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode("latin-1"))
    with pytest.raises(DirectoryFileError) as refused:
        run_import(sessions, path)
    assert refused.value.where("directory.csv") == (
        "directory.csv:1101: not valid UTF-8 (export the CSV as UTF-8)"
    )
    assert people(sessions) == {}


def test_a_csv_error_late_in_the_file_imports_nothing(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [f"E{n},e{n}@x.example,Person {n},,,,,UTC,," for n in range(1, 1201)]
    rows[-1] = 'E1200,e1200@x.example,"Person "1200,,,,,UTC,,'
    with pytest.raises(DirectoryFileError, match="line 1201: ','"):
        run_import(sessions, "\n".join([HEADER, *rows]) + "\n")
    assert people(sessions) == {}


def test_a_nul_byte_is_refused_with_its_line(sessions: sessionmaker[Session]) -> None:
    text = f"{HEADER},badge\nA,a@x.example,A,,,,,UTC,,,\nB,b@x.example,B\x00,,,,,UTC,,,\n"
    text += "C,c@x.example,C,,,,,UTC,,,ok\x00\n"
    report = run_import(sessions, text)
    assert [p.where("d.csv") for p in report.errors] == [
        "d.csv:3: name: contains a NUL byte",
        "d.csv:4: badge: contains a NUL byte",
    ]
    assert sorted(people(sessions)) == ["A"]


def test_a_header_without_rows_is_not_a_directory(sqlite_sessions: sessionmaker[Session]) -> None:
    with pytest.raises(DirectoryFileError) as refused:
        run_import(sqlite_sessions, HEADER + "\n\n")
    assert refused.value.where("d.csv") == "d.csv holds no rows (only a header)"


def test_duplicates_far_apart_are_rejected_with_each_others_lines(
    sessions: sessionmaker[Session],
) -> None:
    rows = [f"E{n},e{n}@x.example,Person {n},,,,,UTC,," for n in range(1, 1501)]
    rows[1400] = "E7,other@x.example,Seven Again,,,,,UTC,,"  # line 1402; E7 is on line 8
    rows[1450] = "E1451,E3@X.example,Three's Email,,,,,UTC,,"  # line 1452; e3 is on line 4
    report = run_import(sessions, "\n".join([HEADER, *rows]) + "\n")
    assert [(p.line, p.field, p.reason) for p in report.errors] == [
        (4, "email", "e3@x.example is also on line(s) 1452"),
        (8, "employee_id", "E7 is also on line(s) 1402"),
        (1402, "employee_id", "E7 is also on line(s) 8"),
        (1452, "email", "e3@x.example is also on line(s) 4"),
    ]
    assert report.inserted == 1496 and len(people(sessions)) == 1496


def test_old_mac_line_endings_are_lines(
    sqlite_sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(
        f"{HEADER}\rA,a@x.example,A,,,,,UTC,,\rB,b@x.example,B,,,,,Nowhere,,\r".encode()
    )
    report = run_import(sqlite_sessions, path)
    assert report.inserted == 1
    assert [(p.line, p.field) for p in report.errors] == [(3, "timezone")]


def test_a_file_rewritten_between_the_passes_imports_nothing(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mentorflow.directory as directory

    path = tmp_path / "directory.csv"
    path.write_text(f"{HEADER}\nA,a@x.example,A,,,,,UTC,,\nB,b@x.example,B,,,,,UTC,,\n")
    scan = directory._scan

    def scan_then_an_export_lands(source: Path, report: ImportReport):  # type: ignore[no-untyped-def]
        checked = scan(source, report)
        with path.open("a") as file:
            file.write("C,c@x.example,C,,,,,Nowhere,,\n")  # never checked
        return checked

    monkeypatch.setattr(directory, "_scan", scan_then_an_export_lands)
    with pytest.raises(DirectoryFileError, match="changed while it was being read"):
        run_import(sessions, path)
    assert people(sessions) == {}


def test_a_reporting_cycle_is_a_warning(sqlite_sessions: sessionmaker[Session]) -> None:
    text = f"{HEADER}\nA,a@x.example,A,,,B,,UTC,,\nB,b@x.example,B,,,A,,UTC,,\n"
    report = run_import(sqlite_sessions, text)
    assert report.inserted == 2
    assert [(p.line, p.employee_id, p.reason) for p in report.warnings] == [
        (2, "A", "the reporting line is a cycle"),
        (3, "B", "the reporting line is a cycle"),
    ]


def test_a_manager_already_in_the_directory_is_known(sessions: sessionmaker[Session]) -> None:
    run_import(sessions, EXAMPLE)
    report = run_import(sessions, f"{HEADER}\nN1,n1@northwind.example,N,,,E007,,UTC,,\n")
    assert report.inserted == 1 and report.warnings == []


# --------------------------------------------------------------------------- reporting lines


def test_reporting_chain_goes_up_to_the_top(sessions: sessionmaker[Session]) -> None:
    run_import(sessions, EXAMPLE)
    with sessions() as session:
        assert reporting_chain(session, "E012") == ["E007", "E002", "E001"]
        assert reporting_chain(session, "E001") == []
        assert reporting_chain(session, "nobody") == []
        managers = manager_map(session)
    assert len(managers) == 60
    assert chain_of(managers, "E035") == ["E031", "E004", "E001"]


def test_reporting_chain_survives_cycles_and_unknown_managers(
    sessions: sessionmaker[Session],
) -> None:
    text = (
        f"{HEADER}\nA,a@x.example,A,,,B,,UTC,,\nB,b@x.example,B,,,C,,UTC,,\n"
        "C,c@x.example,C,,,A,,UTC,,\nD,d@x.example,D,,,Z9,,UTC,,\n"
    )
    run_import(sessions, text)
    with sessions() as session:
        assert reporting_chain(session, "A") == ["B", "C"]
        # Z9 is not in the directory but is still D's manager.
        assert reporting_chain(session, "D") == ["Z9"]


def test_tenure_counts_from_the_hire_date(sqlite_sessions: sessionmaker[Session]) -> None:
    run_import(sqlite_sessions, EXAMPLE)
    stored = people(sqlite_sessions)
    assert tenure(stored["E030"], date(2027, 1, 4)) == timedelta(days=28)
    assert tenure(stored["E030"], date(2026, 12, 1)) == timedelta(days=-6)
    stored["E030"].hire_date = None
    with pytest.raises(HireDateUnknown, match="E030 has no hire date"):
        tenure(stored["E030"], date(2027, 1, 4))


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def runner(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[CliRunner]:
    for name in list(os.environ):
        if name.startswith("MENTORFLOW_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MENTORFLOW_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MENTORFLOW_DATABASE_URL", db_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_directory_import_command(runner: CliRunner, sessions: sessionmaker[Session]) -> None:
    dry = runner.invoke(app, ["directory", "import", str(EXAMPLE), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "nothing was written" in dry.stdout
    assert people(sessions) == {}

    first = runner.invoke(app, ["directory", "import", str(EXAMPLE)])
    assert first.exit_code == 0, first.output
    assert re.search(r"inserted\s+│\s+60 ", first.stdout)
    again = runner.invoke(app, ["directory", "import", str(EXAMPLE)])
    assert re.search(r"unchanged\s+│\s+60 ", again.stdout)
    assert len(people(sessions)) == 60


def test_directory_import_command_fails_on_bad_rows_but_imports_the_rest(
    runner: CliRunner, sessions: sessionmaker[Session]
) -> None:
    result = runner.invoke(
        app, ["directory", "import", "examples/bad/directory.csv"], terminal_width=200
    )
    assert result.exit_code == 1
    assert (
        "rejected examples/bad/directory.csv:5: timezone: unknown time zone "
        "'Europe/Manchester' (use an IANA name) (B004)"
    ) in result.stdout.splitlines()
    assert "8 row(s) rejected" in result.stderr
    assert len(people(sessions)) == 4


def test_directory_import_command_refuses_a_file_of_only_a_header(
    runner: CliRunner, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(HEADER + "\n")
    result = runner.invoke(app, ["directory", "import", str(path)], terminal_width=300)
    assert result.exit_code == 1
    assert f"{path} holds no rows (only a header)" in result.stderr
    assert "inserted" not in result.stdout


def test_directory_import_command_names_the_line_of_a_bad_byte(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes((HEADER + "\nA,a@x.example,Andr\xe9,,,,,UTC,,\n").encode("latin-1"))
    result = runner.invoke(app, ["directory", "import", str(path)], terminal_width=300)
    assert result.exit_code == 1
    assert f"{path}:2: not valid UTF-8" in result.stderr


def test_directory_import_command_refuses_a_broken_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("employee_id,email\n")
    result = runner.invoke(app, ["directory", "import", str(path)])
    assert result.exit_code == 1
    assert "missing column(s)" in result.stderr
