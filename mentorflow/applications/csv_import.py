"""Importing a cohort's applications from HR's CSV: parse, check against the
directory, then submit each valid row to the person's ApplicationWorkflow.

Rules:

* Columns: ``employee_id,role,capacity,expertise,goals,interests,
  preferred_cadence,languages,mentor_preferences,notes`` (``languages`` and
  ``mentor_preferences`` semicolon-separated, preferences best first). Only
  ``employee_id`` and ``role`` must be present; an unknown column, or a file
  that is not UTF-8 CSV, rejects the whole file and nothing is submitted.
* A bad row (unknown or inactive employee, a role other than mentee, mentor
  or both, capacity on a mentee row, a malformed cell, the same person on two
  lines) is rejected with its line number and reason; every valid row is
  submitted. A mentor row without capacity gets the program's default, with a
  warning.
* Submitting is idempotent: a person who already applied to the cohort (a
  re-import) is counted as a duplicate, not an error, and nothing changes.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.service import RPCError

from mentorflow.applications.models import ApplicationDetails
from mentorflow.applications.start import (
    SubmitOutcome,
    application_input,
    submit_application,
)
from mentorflow.cohorts.states import CohortStatus
from mentorflow.directory import RowProblem
from mentorflow.models import NAMED_CADENCES, Role
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.schema import Person

COLUMNS = (
    "employee_id",
    "role",
    "capacity",
    "expertise",
    "goals",
    "interests",
    "preferred_cadence",
    "languages",
    "mentor_preferences",
    "notes",
)
REQUIRED_COLUMNS = ("employee_id", "role")
ROLES = {"mentee": [Role.MENTEE], "mentor": [Role.MENTOR], "both": [Role.MENTOR, Role.MENTEE]}
#: The limits of ``ApplicationDetails``, checked here so the row gets the blame.
TEXT_MAX = 2000
CAPACITY_RANGE = (1, 10)
#: Submissions in flight at once: quick for a few hundred rows, gentle on 2 cores.
CONCURRENCY = 8


class ApplicationsFileError(ValueError):
    """The file (or the cohort) as a whole cannot be imported; nothing was submitted."""


@dataclass(frozen=True)
class ApplicationRow:
    line: int
    employee_id: str
    details: ApplicationDetails


@dataclass
class ImportReport:
    rows: list[ApplicationRow] = field(default_factory=list)
    #: (line, employee id, what the workflow said)
    submitted: list[tuple[int, str, str]] = field(default_factory=list)
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def reject(self, line: int, employee_id: str, column: str, reason: str) -> None:
        self.errors.append(RowProblem(line, employee_id, column, reason))

    def warn(self, line: int, employee_id: str, column: str, reason: str) -> None:
        self.warnings.append(RowProblem(line, employee_id, column, reason))


# --------------------------------------------------------------------------- the cohort


def open_cohort(session: Session, name: str) -> ProgramConfig:
    """The stored program of cohort ``name``, which must be taking applications."""
    cohort = cohorts.get_cohort(session, name)
    if cohort is None:
        raise ApplicationsFileError(
            f"there is no cohort {name!r}; launch it first (mentorflow cohort launch)"
        )
    if cohort.status != CohortStatus.OPEN:
        raise ApplicationsFileError(
            f"cohort {name!r} no longer takes applications (it is {cohort.status})"
        )
    return cohorts.cohort_program(cohort)


# --------------------------------------------------------------------------- parsing


def parse_applications(source: Path | str, default_capacity: int) -> ImportReport:
    """The valid rows of a CSV (a path, or its text), and every problem found."""
    text = _read(source)
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ApplicationsFileError("the file is empty; expected a header line") from None
    except csv.Error as exc:
        raise ApplicationsFileError(f"line 1: {exc}") from exc
    _check_header(header)
    report = ImportReport()
    first_line: dict[str, int] = {}
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ApplicationsFileError(f"line {line}: {exc}") from exc
        if any(cell.strip() for cell in cells):
            row = _row(line, header, cells, default_capacity, report)
            if row is not None:
                if row.employee_id in first_line:
                    report.reject(
                        line,
                        row.employee_id,
                        "employee_id",
                        f"{row.employee_id} already applies on line {first_line[row.employee_id]}",
                    )
                else:
                    first_line[row.employee_id] = line
                    report.rows.append(row)
        # A quoted value may span lines: the next record starts after this one.
        line = reader.line_num + 1
    return report


def _read(source: Path | str) -> str:
    if isinstance(source, str):
        return source
    try:
        # utf-8-sig: spreadsheets put a byte-order mark in front of the header.
        return source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApplicationsFileError(
            f"not UTF-8 text (byte {exc.start}); export the CSV as UTF-8"
        ) from exc
    except OSError as exc:
        raise ApplicationsFileError(str(exc.strerror or exc)) from exc


def _check_header(header: list[str]) -> None:
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ApplicationsFileError(f"line 1: missing column(s): {', '.join(missing)}")
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        # A column we would not read is data HR expects to be kept: say so.
        raise ApplicationsFileError(
            f"line 1: unknown column(s): {', '.join(unknown)}; expected {', '.join(COLUMNS)}"
        )
    repeated = sorted(name for name, n in Counter(header).items() if n > 1)
    if repeated:
        raise ApplicationsFileError(f"line 1: column(s) given twice: {', '.join(repeated)}")


def _split(cell: str) -> list[str]:
    """``"English; german;English"`` → ``["English", "german"]``: once each, in order."""
    seen: set[str] = set()
    kept: list[str] = []
    for value in (v.strip() for v in cell.split(";")):
        if value and value.casefold() not in seen:
            seen.add(value.casefold())
            kept.append(value)
    return kept


def _row(
    line: int, header: list[str], cells: list[str], default_capacity: int, report: ImportReport
) -> ApplicationRow | None:
    raw = {name: "" for name in COLUMNS}
    raw.update(zip(header, (cell.strip() for cell in cells), strict=False))
    employee_id = raw["employee_id"]

    def reject(column: str, reason: str) -> None:
        report.reject(line, employee_id, column, reason)

    if len(cells) != len(header):
        reject("(row)", f"{len(cells)} values for {len(header)} columns")
        return None
    if not employee_id:
        reject("employee_id", "required")
        return None
    roles = ROLES.get(raw["role"].lower())
    if roles is None:
        reject("role", f"{raw['role']!r} is not one of mentee, mentor, both")
        return None
    for name in ("expertise", "goals", "interests", "notes"):
        if len(raw[name]) > TEXT_MAX:
            reject(name, f"longer than {TEXT_MAX} characters")
            return None
    cadence = raw["preferred_cadence"].lower()
    if cadence and cadence not in NAMED_CADENCES:
        reject("preferred_cadence", f"{cadence!r} is not one of {', '.join(NAMED_CADENCES)}")
        return None
    capacity = _capacity(raw["capacity"], roles, reject)
    if capacity is None:
        return None
    if capacity == 0:  # mentor without a capacity: the program's default
        capacity = default_capacity
        report.warn(line, employee_id, "capacity", f"empty; the program's default {capacity}")
    preferences = _split(raw["mentor_preferences"])
    if employee_id in preferences:
        reject("mentor_preferences", "lists the applicant themselves")
        return None
    if Role.MENTEE in roles and not raw["goals"]:
        report.warn(line, employee_id, "goals", "empty; matching has little to go on")
    if Role.MENTOR in roles and not raw["expertise"]:
        report.warn(line, employee_id, "expertise", "empty; matching has little to go on")
    details = ApplicationDetails(
        roles=roles,
        capacity=capacity,
        expertise=raw["expertise"],
        goals=raw["goals"],
        interests=raw["interests"],
        preferred_cadence=cadence,
        languages=_split(raw["languages"]),
        mentor_preferences=preferences,
        notes=raw["notes"],
        source="csv",
    )
    return ApplicationRow(line, employee_id, details)


def _capacity(cell: str, roles: list[Role], reject: Callable[[str, str], None]) -> int | None:
    """The mentor's capacity; 1 for a mentee-only row (the field is unused);
    0 when a mentor row leaves it to the program; None after a rejection."""
    if Role.MENTOR not in roles:
        if cell:
            reject("capacity", "applies to mentors only; leave it empty for a mentee")
            return None
        return 1
    if not cell:
        return 0
    low, high = CAPACITY_RANGE
    if not cell.isdigit() or not low <= int(cell) <= high:
        reject("capacity", f"{cell!r} is not a whole number from {low} to {high}")
        return None
    return int(cell)


# --------------------------------------------------------------------------- the directory


def check_people(session: Session, report: ImportReport) -> None:
    """Rejects rows of people the directory does not know (or who left), and
    warns about ranked mentors it does not know."""
    ids = {row.employee_id for row in report.rows}
    ids |= {p for row in report.rows for p in row.details.mentor_preferences}
    active = _active(session, ids)
    kept: list[ApplicationRow] = []
    for row in report.rows:
        if row.employee_id not in active:
            report.reject(
                row.line,
                row.employee_id,
                "employee_id",
                f"{row.employee_id} is not an active employee in the directory",
            )
            continue
        for preferred in row.details.mentor_preferences:
            if preferred not in active:
                report.warn(
                    row.line,
                    row.employee_id,
                    "mentor_preferences",
                    f"{preferred} is not an active employee in the directory",
                )
        kept.append(row)
    report.rows = kept
    report.errors.sort(key=lambda p: p.line)
    report.warnings.sort(key=lambda p: p.line)


def _active(session: Session, employee_ids: Iterable[str]) -> set[str]:
    wanted = sorted(employee_ids)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        found.update(
            session.scalars(
                select(Person.employee_id).where(Person.employee_id.in_(chunk), Person.active)
            )
        )
    return found


# --------------------------------------------------------------------------- submitting


async def submit_rows(
    client: Client, task_queue: str, cohort: str, program: ProgramConfig, report: ImportReport
) -> None:
    """Submits every valid row; each lands in ``submitted``, ``duplicates`` or
    ``errors`` (a refusal, or Temporal out of reach: re-running is safe)."""
    slots = asyncio.Semaphore(CONCURRENCY)

    async def submit(row: ApplicationRow) -> None:
        application = application_input(cohort, program, row.employee_id)
        async with slots:
            try:
                result = await submit_application(client, task_queue, application, row.details)
            except RPCError as exc:
                report.reject(row.line, row.employee_id, "(submit)", f"Temporal: {exc.message}")
                return
        where = (row.line, row.employee_id, result.message)
        if result.outcome is SubmitOutcome.SUBMITTED:
            report.submitted.append(where)
        elif result.outcome is SubmitOutcome.DUPLICATE:
            report.duplicates.append(where)
        else:
            report.reject(row.line, row.employee_id, "(application)", result.message)

    await asyncio.gather(*(submit(row) for row in report.rows))
    for found in (report.submitted, report.duplicates):
        found.sort()
    report.errors.sort(key=lambda p: p.line)
