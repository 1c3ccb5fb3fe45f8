"""The employee directory: importing HR's CSV export into ``people``, and the
reporting-line and tenure helpers that eligibility and matching need.

Import rules (``import_directory``):

* Columns: ``employee_id,email,name,title,department,manager_id,location,
  timezone,hire_date,level``; any other column is kept in ``attributes``. A
  missing required column, or a file that is not UTF-8 CSV, rejects the whole
  file and nothing is written.
* A bad row (no or invalid email, unknown time zone, bad date, an employee id
  or email used on more than one line, someone who is their own manager) is
  rejected with its line number and reason; every valid row is imported, all
  in one transaction.
* A ``manager_id`` that is neither in the file nor already in the directory is
  a **warning**, not an error: an export of one division names managers
  outside it, and the employee is still a valid employee. Their reporting
  chain simply ends there. A reporting cycle is a warning for the same reason.
* An empty ``timezone`` means UTC, with a warning (check-ins would arrive at
  09:00 UTC); an empty ``hire_date`` is allowed (tenure is then unknown).
* Re-importing updates people in place (by ``employee_id``) and counts the
  unchanged ones. People absent from the file are left alone: deactivating
  leavers is the HRIS sync's job, which has a mass-change guard. Someone
  present in the file who was inactive becomes active again.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.addresses import email_address
from mentorflow.store.schema import Person

COLUMNS = (
    "employee_id",
    "email",
    "name",
    "title",
    "department",
    "manager_id",
    "location",
    "timezone",
    "hire_date",
    "level",
)
#: Columns a row cannot do without; the others may be left empty.
REQUIRED = ("employee_id", "email", "name")
#: Widths of the ``people`` columns, checked before the database refuses them.
_WIDTHS = {"employee_id": 64, "email": 320, "name": 200, "title": 200, "department": 200}
_WIDTHS |= {"manager_id": 64, "location": 200, "timezone": 64, "level": 32}
#: Rows looked up per query (SQLite allows 32,766 bound parameters).
_CHUNK = 500


class DirectoryFileError(ValueError):
    """The file as a whole cannot be imported; nothing was written."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    employee_id: str
    field: str
    reason: str

    def where(self, path: str) -> str:
        return f"{path}:{self.line}: {self.field}: {self.reason}"


@dataclass
class ImportReport:
    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: Rejected rows: not imported.
    errors: list[RowProblem] = field(default_factory=list)
    #: Imported rows with something HR should look at.
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> int:
        return len(self.inserted) + len(self.updated) + len(self.unchanged)


@dataclass
class _Row:
    line: int
    values: dict[str, Any]


# --------------------------------------------------------------------------- import


def import_directory(
    session: Session, source: Path | str, *, now: datetime | None = None
) -> ImportReport:
    """Import a directory CSV (a path, or its text) into ``people``.

    Writes inside the caller's transaction and never commits, so a caller can
    also roll back (a dry run). See the module docstring for the rules.
    """
    text = _read(source)
    report = ImportReport()
    rows = _parse(text, report)
    _reject_shared_keys(rows, report)
    rejected = {p.line for p in report.errors}
    valid = [row for row in rows if row.line not in rejected]
    existing = _existing(session, [row.values["employee_id"] for row in valid])
    _warn_about_managers(session, valid, existing, report)
    moment = now or datetime.now(UTC)
    for row in valid:
        _upsert(session, existing.get(row.values["employee_id"]), row.values, moment, report)
    session.flush()
    report.errors.sort(key=lambda p: p.line)
    report.warnings.sort(key=lambda p: p.line)
    return report


def read_rows(source: Path | str) -> tuple[list[dict[str, Any]], ImportReport]:
    """The valid rows' values and the problems of the others, without touching
    the database (for a sync, which applies a file whole or not at all)."""
    report = ImportReport()
    rows = _parse(_read(source), report)
    _reject_shared_keys(rows, report)
    rejected = {p.line for p in report.errors}
    return [row.values for row in rows if row.line not in rejected], report


def _read(source: Path | str) -> str:
    if isinstance(source, str):
        return source
    try:
        # utf-8-sig: spreadsheets put a byte-order mark in front of the header.
        return source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DirectoryFileError(
            f"{source}: not UTF-8 text (byte {exc.start}); export the CSV as UTF-8"
        ) from exc
    except OSError as exc:
        raise DirectoryFileError(f"{source}: {exc.strerror or exc}") from exc


def _parse(text: str, report: ImportReport) -> list[_Row]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise DirectoryFileError("the file is empty; expected a header line") from None
    except csv.Error as exc:
        raise DirectoryFileError(f"line 1: {exc}") from exc
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise DirectoryFileError(f"line 1: missing column(s): {', '.join(missing)}")
    repeated = sorted(name for name, n in Counter(header).items() if n > 1)
    if repeated:
        raise DirectoryFileError(f"line 1: column(s) given twice: {', '.join(repeated)}")

    rows: list[_Row] = []
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DirectoryFileError(f"line {line}: {exc}") from exc
        if any(cell.strip() for cell in cells):
            row = _row(line, header, cells, report)
            if row is not None:
                rows.append(row)
        # A quoted value may span lines: the next record starts after this one.
        line = reader.line_num + 1
    return rows


def _row(line: int, header: list[str], cells: list[str], report: ImportReport) -> _Row | None:
    raw = dict(zip(header, (cell.strip() for cell in cells), strict=False))
    employee_id = raw.get("employee_id", "")

    def reject(column: str, reason: str) -> None:
        report.errors.append(RowProblem(line, employee_id, column, reason))

    if len(cells) != len(header):
        reject("(row)", f"{len(cells)} values for {len(header)} columns")
        return None
    values: dict[str, Any] = {name: raw[name] for name in COLUMNS}
    values["attributes"] = {name: raw[name] for name in header if name not in COLUMNS}
    for name in REQUIRED:
        if not values[name]:
            reject(name, "required")
            return None
    for name, width in _WIDTHS.items():
        if len(values[name]) > width:
            reject(name, f"longer than {width} characters")
            return None
    try:
        values["email"] = email_address(values["email"])
    except ValueError as exc:
        reject("email", str(exc))
        return None
    values["manager_id"] = values["manager_id"] or None
    if values["manager_id"] == employee_id:
        reject("manager_id", "an employee cannot be their own manager")
        return None
    if not values["timezone"]:
        values["timezone"] = "UTC"
        report.warnings.append(RowProblem(line, employee_id, "timezone", "empty; UTC assumed"))
    elif not known_zone(values["timezone"]):
        reject("timezone", f"unknown time zone {values['timezone']!r} (use an IANA name)")
        return None
    try:
        hire = values["hire_date"]
        values["hire_date"] = date.fromisoformat(hire) if hire else None
    except ValueError:
        reject("hire_date", f"{hire!r} is not a date (YYYY-MM-DD)")
        return None
    return _Row(line, values)


def known_zone(name: str) -> bool:
    """An IANA time zone name this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _reject_shared_keys(rows: list[_Row], report: ImportReport) -> None:
    """Two lines with one employee id (or one email) cannot both be right, and
    the file cannot tell which: every such line is rejected."""
    for key in ("employee_id", "email"):
        lines: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            lines[row.values[key]].append(row.line)
        for row in rows:
            shared = lines[row.values[key]]
            if len(shared) > 1:
                others = ", ".join(str(n) for n in shared if n != row.line)
                report.errors.append(
                    RowProblem(
                        row.line,
                        row.values["employee_id"],
                        key,
                        f"{row.values[key]} is also on line(s) {others}",
                    )
                )


def _existing(session: Session, employee_ids: Sequence[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(employee_ids), _CHUNK):
        chunk = employee_ids[start : start + _CHUNK]
        for person in session.scalars(select(Person).where(Person.employee_id.in_(chunk))):
            found[person.employee_id] = person
    return found


def _warn_about_managers(
    session: Session, rows: list[_Row], existing: Mapping[str, Person], report: ImportReport
) -> None:
    in_file = {row.values["employee_id"] for row in rows}
    named = {row.values["manager_id"] for row in rows if row.values["manager_id"]}
    known = in_file | set(existing) | set(_existing(session, sorted(named - in_file)))
    managers = {person.employee_id: person.manager_id for person in existing.values()} | {
        row.values["employee_id"]: row.values["manager_id"] for row in rows
    }
    for row in rows:
        manager = row.values["manager_id"]
        employee_id = row.values["employee_id"]
        if manager and manager not in known:
            report.warnings.append(
                RowProblem(
                    row.line,
                    employee_id,
                    "manager_id",
                    f"manager {manager} is not in the directory; the reporting line ends there",
                )
            )
        elif manager and employee_id in chain_of(managers, manager):
            report.warnings.append(
                RowProblem(row.line, employee_id, "manager_id", "the reporting line is a cycle")
            )


def _upsert(
    session: Session,
    person: Person | None,
    values: dict[str, Any],
    moment: datetime,
    report: ImportReport,
) -> None:
    if person is None:
        session.add(Person(**values, active=True, updated_at=moment))
        report.inserted.append(values["employee_id"])
        return
    changed = [name for name, value in values.items() if getattr(person, name) != value]
    if not changed and person.active:
        report.unchanged.append(person.employee_id)
        return
    for name in changed:
        setattr(person, name, values[name])
    person.active = True
    person.updated_at = moment
    report.updated.append(person.employee_id)


# --------------------------------------------------------------------------- reporting lines


def chain_of(managers: Mapping[str, str | None], employee_id: str) -> list[str]:
    """Manager, manager's manager, … of ``employee_id`` from an id → manager map.

    Stops at the top, at a manager the map does not know (who is still listed:
    they are in the reporting line even if not in the directory), or where the
    line comes back on itself, so a cycle in HR's data cannot hang a caller.
    """
    chain: list[str] = []
    seen = {employee_id}
    current = managers.get(employee_id)
    while current and current not in seen:
        chain.append(current)
        seen.add(current)
        current = managers.get(current)
    return chain


def reporting_chain(session: Session, employee_id: str) -> list[str]:
    """The reporting line above ``employee_id`` as the directory records it."""
    chain: list[str] = []
    seen = {employee_id}
    current = session.scalar(select(Person.manager_id).where(Person.employee_id == employee_id))
    while current and current not in seen:
        chain.append(current)
        seen.add(current)
        current = session.scalar(select(Person.manager_id).where(Person.employee_id == current))
    return chain


def manager_map(session: Session) -> dict[str, str | None]:
    """Every person's manager in one query: for many chains at once (matching a
    cohort of thousands), use ``chain_of`` on this map."""
    rows = session.execute(select(Person.employee_id, Person.manager_id))
    return {employee_id: manager_id for employee_id, manager_id in rows}


# --------------------------------------------------------------------------- tenure


class HireDateUnknown(LookupError):
    """The directory has no hire date for this person."""


class Hired(Protocol):
    employee_id: str
    hire_date: date | None


def tenure(person: Hired, today: date) -> timedelta:
    """How long ``person`` has worked here on ``today`` (negative before their
    first day); ``HireDateUnknown`` when the directory does not say."""
    if person.hire_date is None:
        raise HireDateUnknown(f"{person.employee_id} has no hire date in the directory")
    return today - person.hire_date


def people_by_id(session: Session, employee_ids: Iterable[str]) -> dict[str, Person]:
    """The directory entries of ``employee_ids`` that exist, by id."""
    return _existing(session, sorted(set(employee_ids)))
