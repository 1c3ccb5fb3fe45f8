"""The HRIS as a CSV export with the directory columns (extra columns are kept
as attributes; an optional ``active`` column may say ``false`` for leavers,
and anyone missing from the file has left). Unlike ``directory import``, a sync
takes a file whole or not at all: one bad row stops it with every problem
listed, so a broken export never half-applies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mentorflow.directory import DirectoryFileError, read_rows
from mentorflow.hris.diff import DirectoryRecord

INACTIVE = {"false", "no", "0", "inactive", "terminated"}


class HrisSourceError(ValueError):
    """The source cannot be trusted as a whole; nothing was applied."""


def read_directory_csv(path: Path | str) -> dict[str, DirectoryRecord]:
    """The export's people by id, read with the directory import's streaming
    reader; a file with any problem, or with no rows at all, is refused whole
    (an empty export must never read as "everyone left")."""
    try:
        rows, report = read_rows(Path(path) if isinstance(path, str) else path)
        if report.errors:
            problems = "; ".join(problem.where(str(path)) for problem in report.errors)
            raise HrisSourceError(f"{len(report.errors)} bad row(s), nothing applied: {problems}")
        return {values["employee_id"]: _record(values) for values in rows}
    except DirectoryFileError as exc:
        raise HrisSourceError(exc.where(str(path))) from exc


def _record(values: dict[str, Any]) -> DirectoryRecord:
    active = str(values["attributes"].get("active", "true")).strip().lower() not in INACTIVE
    fields = {name: values[name] for name in DirectoryRecord.model_fields if name in values}
    return DirectoryRecord(**fields, active=active)
