"""HR imports the employee directory from an HRIS export (CSV)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.directory import DirectoryFileError, ImportReport, import_directory
from mentorflow.hr.errors import HrError, InvalidInput


def import_directory_file(
    sessions: sessionmaker[Session], path: Path, *, dry_run: bool = False
) -> ImportReport:
    """Imports (or re-imports) ``path`` in one transaction: bad rows are in the
    report with their line, valid ones written; with ``dry_run`` nothing is.
    A file that cannot be imported as a whole writes nothing (``InvalidInput``)."""
    try:
        with sessions() as session, session.begin():
            report = import_directory(session, path)
            if dry_run:
                session.rollback()
            return report
    except DirectoryFileError as exc:
        raise InvalidInput(exc.where(str(path))) from exc
    except SQLAlchemyError as exc:
        raise HrError(f"database: {exc}") from exc
