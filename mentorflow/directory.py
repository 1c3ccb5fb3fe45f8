"""The employee directory: importing HR's CSV export into ``people``, and the
reporting-line and tenure helpers that eligibility and matching need.

Import rules (``import_directory``):

* Columns: ``employee_id,email,name,title,department,manager_id,location,
  timezone,hire_date,level``; any other column is kept in ``attributes``. A
  missing required column, a line that is not UTF-8 (named by its line), a
  broken CSV record, or a header with no rows rejects the whole file and
  nothing is written.
* The file is streamed twice, never held: the first pass checks everything
  and keeps only what whole-file checks need (each id's line, a digest of
  each email); the second writes in batches, in the caller's transaction.
* A bad row (no or invalid email, unknown time zone, bad date, an employee id
  or email used on more than one line, someone who is their own manager, a
  NUL byte in a field, which PostgreSQL cannot store) is
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
import hashlib
import io
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select
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
    """The file as a whole cannot be imported; nothing was written.

    ``message`` says what is wrong at ``line``; without a line, it is said of
    the file (``is empty``, ``holds no rows``), so ``where`` reads as a sentence.
    """

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message, self.line = message, line
        super().__init__(f"line {line}: {message}" if line else message)

    def where(self, path: str) -> str:
        return f"{path}:{self.line}: {self.message}" if self.line else f"{path} {self.message}"


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
    #: How many people were added, changed and found as they were (counts,
    #: not ids: a first import of two million people would otherwise hold
    #: every id twice).
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Rejected rows: not imported.
    errors: list[RowProblem] = field(default_factory=list)
    #: Imported rows with something HR should look at.
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def imported(self) -> int:
        return self.inserted + self.updated + self.unchanged


# --------------------------------------------------------------------------- reading

#: What a source is: a path, or the file's text (tests, the demo's generator).
Source = Path | str


@dataclass
class _Scan:
    """What the first pass keeps of a file: enough for the checks that span
    the whole file (a key on two lines, a manager named elsewhere in it, a
    reporting cycle), never the rows themselves."""

    #: employee id → line, for every row that passed the row checks.
    lines: dict[str, int] = field(default_factory=dict)
    duplicate_ids: set[str] = field(default_factory=set)
    #: 128-bit digests of the emails: a third of the memory of the strings,
    #: and two addresses meeting by chance is not a thing that happens.
    emails: set[int] = field(default_factory=set)
    duplicate_emails: set[int] = field(default_factory=set)
    last_line: int = 1
    #: Rows that passed the row checks, and rows that did not: the second
    #: pass must find as many of each.
    rows: int = 0
    rejected: int = 0

    def shares_a_key(self, values: Mapping[str, Any]) -> bool:
        return values["employee_id"] in self.duplicate_ids or (
            bool(self.duplicate_emails) and _digest(values["email"]) in self.duplicate_emails
        )

    def in_file(self, employee_id: str) -> bool:
        """One valid row of the file has this id."""
        return employee_id in self.lines and employee_id not in self.duplicate_ids


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=16).digest())


def _lines(source: Source) -> Iterator[str]:
    """The file's physical lines, decoded one at a time, so that memory stays
    that of a line and an undecodable byte is reported at its line."""
    if isinstance(source, str):
        yield from io.StringIO(source.removeprefix("\ufeff"), newline="")
        return
    try:
        file = source.open("rb")
    except OSError as exc:
        raise DirectoryFileError(f"cannot be read: {exc.strerror or exc}") from exc
    number = 0
    with file:
        for chunk in file:
            # A bare CR ends a line too (old Mac exports), as in universal newlines.
            pieces = chunk.splitlines(keepends=True) if b"\r" in chunk[:-2] else (chunk,)
            for raw in pieces:
                number += 1
                try:
                    # utf-8-sig: spreadsheets put a byte-order mark in front of the header.
                    yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    raise DirectoryFileError(
                        "not valid UTF-8 (export the CSV as UTF-8)", number
                    ) from None


def _records(source: Source) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each record after the header; the header comes first
    as line 1. File-level problems raise ``DirectoryFileError`` with the line."""
    reader = csv.reader(_lines(source), strict=True)
    line = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise DirectoryFileError(str(exc), line) from exc
        yield line, cells
        # A quoted value may span lines: the next record starts after this one.
        line = reader.line_num + 1


def _header(records: Iterator[tuple[int, list[str]]]) -> list[str]:
    try:
        _, cells = next(records)
    except StopIteration:
        raise DirectoryFileError("is empty; expected a header line") from None
    header = [name.strip().lower() for name in cells]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise DirectoryFileError(f"missing column(s): {', '.join(missing)}", 1)
    repeated = sorted(name for name, n in Counter(header).items() if n > 1)
    if repeated:
        raise DirectoryFileError(f"column(s) given twice: {', '.join(repeated)}", 1)
    return header


def _rows(source: Source, report: ImportReport) -> Iterator[_Row]:
    """The rows that pass the row checks; the others go to ``report``."""
    records = _records(source)
    header = _header(records)
    for line, cells in records:
        if any(cell.strip() for cell in cells):
            row = _row(line, header, cells, report)
            if row is not None:
                yield row


def _scan(source: Source, report: ImportReport) -> _Scan:
    """First pass: every file-level and row problem, and the whole-file keys."""
    scan = _Scan()
    for row in _rows(source, report):
        employee_id, email = row.values["employee_id"], _digest(row.values["email"])
        if employee_id in scan.lines:
            scan.duplicate_ids.add(employee_id)
        else:
            scan.lines[employee_id] = row.line
        if email in scan.emails:
            scan.duplicate_emails.add(email)
        else:
            scan.emails.add(email)
        scan.last_line = row.line
        scan.rows += 1
    scan.rejected = len(report.errors)
    if not scan.lines and not report.errors:
        raise DirectoryFileError("holds no rows (only a header)")
    return scan


def _valid_rows(source: Source, scan: _Scan, report: ImportReport) -> Iterator[_Row]:
    """Second pass: the rows to apply. Rows sharing an employee id or email are
    held back and, once the file is read, rejected with the lines they share."""
    shared: list[_Row] = []
    rows, again = 0, ImportReport()  # row problems were reported in pass one
    for row in _rows(source, again):
        rows += 1
        if rows > scan.rows or row.line > scan.last_line or len(again.errors) > scan.rejected:
            raise _changed()
        if scan.shares_a_key(row.values):
            shared.append(row)
        else:
            yield row
    if rows != scan.rows or len(again.errors) != scan.rejected:
        raise _changed()
    rejected = _reject_shared_keys(shared, report)
    yield from (row for row in shared if row.line not in rejected)


def _changed() -> DirectoryFileError:
    # The file was rewritten between the passes (an export landing while it
    # is read): what the first pass checked is not what would be written.
    return DirectoryFileError("changed while it was being read; import it again")


@dataclass
class _Row:
    line: int
    values: dict[str, Any]


def _row(line: int, header: list[str], cells: list[str], report: ImportReport) -> _Row | None:
    raw = dict(zip(header, (cell.strip() for cell in cells), strict=False))
    employee_id = raw.get("employee_id", "").replace("\x00", "")

    def reject(column: str, reason: str) -> None:
        report.errors.append(RowProblem(line, employee_id, column, reason))

    if len(cells) != len(header):
        reject("(row)", f"{len(cells)} values for {len(header)} columns")
        return None
    # PostgreSQL cannot store a NUL character in text; a spreadsheet never
    # means one.
    for name, value in raw.items():
        if "\x00" in value:
            reject(name, "contains a NUL byte")
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


# --------------------------------------------------------------------------- import


def import_directory(
    session: Session, source: Source, *, now: datetime | None = None
) -> ImportReport:
    """Import a directory CSV (a path, or its text) into ``people``.

    Two passes over the file, in memory that does not grow with the rows
    (only the whole-file keys of ``_Scan`` do): the first finds every problem,
    so a file that cannot be read as a whole (bad UTF-8 or CSV on line 1.9
    million) changes nothing; the second writes the valid rows in batches.
    Writes inside the caller's transaction and never commits, so a caller can
    also roll back (a dry run). See the module docstring for the rules.
    """
    report = ImportReport()
    scan = _scan(source, report)
    moment = now or datetime.now(UTC)
    managers = _Managers(scan)
    batch: list[_Row] = []
    for row in _valid_rows(source, scan, report):
        batch.append(row)
        if len(batch) == _CHUNK:
            _write(session, batch, scan, managers, moment, report)
            batch = []
    _write(session, batch, scan, managers, moment, report)
    cycles = set(managers.in_cycles())
    if cycles:
        for employee_id, line in scan.lines.items():
            if line in cycles:
                report.warnings.append(
                    RowProblem(line, employee_id, "manager_id", "the reporting line is a cycle")
                )
    report.errors.sort(key=lambda p: p.line)
    report.warnings.sort(key=lambda p: p.line)
    return report


def read_rows(source: Source) -> tuple[Iterator[dict[str, Any]], ImportReport]:
    """For a sync, which applies a file whole or not at all: every problem of
    the file in ``report`` (a first pass, and a second one to name the lines of
    rows that share a key, when some do), and the valid rows' values as an
    iterator that reads the file once more."""
    report = ImportReport()
    scan = _scan(source, report)
    if scan.duplicate_ids or scan.duplicate_emails:
        # The lines two rows share are known after the second pass; run it now
        # so that the report is whole before anything is applied.
        for _ in _valid_rows(source, scan, report):
            pass
        report.errors.sort(key=lambda p: p.line)
    rows = (row.values for row in _valid_rows(source, scan, ImportReport()))
    return rows, report


def _write(
    session: Session,
    batch: list[_Row],
    scan: _Scan,
    managers: _Managers,
    moment: datetime,
    report: ImportReport,
) -> None:
    """One batch of the second pass: look the people up, warn about managers,
    insert the new in one statement, update the known in place."""
    if not batch:
        return
    existing = _existing(session, [row.values["employee_id"] for row in batch])
    named = {row.values["manager_id"] for row in batch if row.values["manager_id"]}
    outside = sorted(m for m in named if not scan.in_file(m))
    known = _known_ids(session, outside)
    new: list[dict[str, Any]] = []
    for row in batch:
        values = row.values
        manager = values["manager_id"]
        if manager and not scan.in_file(manager) and manager not in known:
            report.warnings.append(
                RowProblem(
                    row.line,
                    values["employee_id"],
                    "manager_id",
                    f"manager {manager} is not in the directory; the reporting line ends there",
                )
            )
        managers.add(row.line, manager)
        person = existing.get(values["employee_id"])
        if person is None:
            new.append(values | {"active": True, "updated_at": moment})
            report.inserted += 1
        else:
            _update(person, values, moment, report)
    if new:
        session.execute(insert(Person), new)
    session.flush()
    for person in existing.values():
        session.expunge(person)  # the session's memory stays that of one batch


def _update(person: Person, values: dict[str, Any], moment: datetime, report: ImportReport) -> None:
    changed = [name for name, value in values.items() if getattr(person, name) != value]
    if not changed and person.active:
        report.unchanged += 1
        return
    for name in changed:
        setattr(person, name, values[name])
    person.active = True
    person.updated_at = moment
    report.updated += 1


class _Managers:
    """Each written row's manager as a line number (an array, not a map of
    strings), to find reporting cycles among the file's rows."""

    def __init__(self, scan: _Scan) -> None:
        self._scan = scan
        self._manager = array("l", [0]) * (scan.last_line + 1)

    def add(self, line: int, manager: str | None) -> None:
        if manager and self._scan.in_file(manager):
            self._manager[line] = self._scan.lines[manager]

    def in_cycles(self) -> list[int]:
        """Lines on a cycle: each line is walked once (state 1 = on the current
        path, 2 = done), so this is linear in the file."""
        manager, state = self._manager, bytearray(len(self._manager))
        found: list[int] = []
        for start in range(1, len(manager)):
            path: list[int] = []
            line = start
            while line and not state[line]:
                state[line] = 1
                path.append(line)
                line = manager[line]
            if line and state[line] == 1:  # came back onto this path: a cycle
                found.extend(path[path.index(line) :])
            for visited in path:
                state[visited] = 2
        return found


def known_zone(name: str) -> bool:
    """An IANA time zone name this machine knows."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _reject_shared_keys(rows: list[_Row], report: ImportReport) -> set[int]:
    """Two lines with one employee id (or one email) cannot both be right, and
    the file cannot tell which: every such line is rejected (its line returned)."""
    rejected: set[int] = set()
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
                rejected.add(row.line)
    return rejected


def _existing(session: Session, employee_ids: Sequence[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for start in range(0, len(employee_ids), _CHUNK):
        chunk = employee_ids[start : start + _CHUNK]
        for person in session.scalars(select(Person).where(Person.employee_id.in_(chunk))):
            found[person.employee_id] = person
    return found


def _known_ids(session: Session, employee_ids: Sequence[str]) -> set[str]:
    """Which of ``employee_ids`` the directory has."""
    found: set[str] = set()
    for start in range(0, len(employee_ids), _CHUNK):
        chunk = employee_ids[start : start + _CHUNK]
        found.update(
            session.scalars(select(Person.employee_id).where(Person.employee_id.in_(chunk)))
        )
    return found


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
