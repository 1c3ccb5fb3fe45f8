"""HR imports the employee directory from an HRIS export (CSV)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.audit import AuditAction
from mentorflow.directory import DirectoryFileError, ImportReport, import_directory
from mentorflow.hr.audited import Actor, audited_sync
from mentorflow.hr.errors import HrError, InvalidInput


def import_directory_file(
    sessions: sessionmaker[Session],
    path: Path,
    *,
    actor: Actor,
    dry_run: bool = False,
    shown_as: str | None = None,
) -> ImportReport:
    """Imports (or re-imports) ``path`` in one transaction: bad rows are in the
    report with their line, valid ones written; with ``dry_run`` nothing is
    (and nothing is audited: nothing happened). A file that cannot be
    imported as a whole writes nothing (``InvalidInput``). ``shown_as`` names
    the file in errors and the audit row (an upload's own name, not the
    temporary file it was saved to)."""
    name = shown_as or str(path)
    if dry_run:
        return _import(sessions, path, name, dry_run=True)
    with audited_sync(sessions, actor, AuditAction.IMPORT_DIRECTORY, name) as audit:
        report = _import(sessions, path, name, dry_run=False)
        audit.detail |= {
            "inserted": report.inserted,
            "updated": report.updated,
            "rejected": len(report.errors),
            "warnings": len(report.warnings),
        }
        return report


def _import(
    sessions: sessionmaker[Session], path: Path, name: str, *, dry_run: bool
) -> ImportReport:
    try:
        with sessions() as session, session.begin():
            report = import_directory(session, path)
            if dry_run:
                session.rollback()
            return report
    except DirectoryFileError as exc:
        raise InvalidInput(exc.where(name)) from exc
    except SQLAlchemyError as exc:
        raise HrError(f"database: {exc}") from exc
