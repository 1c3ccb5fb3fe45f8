"""HR imports a cohort's applications from a CSV: rows checked against the
cohort and the directory, the valid ones submitted as ApplicationWorkflows
(someone who applied already is a duplicate, so a re-import is harmless)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.applications.csv_import import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ApplicationsFileError,
    ImportReport,
    check_people,
    open_cohort,
    parse_applications,
    submit_rows,
)
from mentorflow.audit import AuditAction
from mentorflow.hr.audited import Actor, audited
from mentorflow.hr.errors import HrError, InvalidInput
from mentorflow.program import ProgramConfig

#: An applications file of a few thousand rows is well under this.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def check_applications(
    sessions: sessionmaker[Session], cohort: str, path: Path, shown_as: str | None = None
) -> tuple[ProgramConfig, ImportReport]:
    """The open cohort's program and the file's rows, checked against it and
    the directory; nothing submitted yet. ``shown_as`` names the file in a
    refusal (an upload's own name)."""
    try:
        with sessions() as session:
            program = open_cohort(session, cohort)
            report = parse_applications(path, program.default_mentor_capacity)
            check_people(session, report)
            return program, report
    except ApplicationsFileError as exc:
        raise InvalidInput(f"{shown_as or path}: {exc}") from exc
    except SQLAlchemyError as exc:
        raise HrError(f"database: {exc}") from exc


async def submit_applications(
    sessions: sessionmaker[Session],
    client: Client,
    task_queue: str,
    cohort: str,
    program: ProgramConfig,
    report: ImportReport,
    *,
    actor: Actor,
    source: str,
) -> ImportReport:
    """Submits the checked rows of ``source`` (each as the person's
    ApplicationWorkflow); the report then says which were submitted and
    which were duplicates."""
    target = f"cohort:{cohort}"
    async with audited(
        sessions, actor, AuditAction.IMPORT_APPLICATIONS, target, source=source
    ) as audit:
        if report.rows:
            await submit_rows(client, task_queue, cohort, program, report)
        audit.detail |= {
            "submitted": len(report.submitted),
            "duplicates": len(report.duplicates),
            "rejected": len(report.errors),
        }
        return report


async def import_applications(
    sessions: sessionmaker[Session],
    client: Client,
    task_queue: str,
    cohort: str,
    path: Path,
    *,
    actor: Actor,
) -> ImportReport:
    """Checks the file, then submits its valid rows; the report says which
    were submitted, which were duplicates and which were rejected (by line)."""
    program, report = check_applications(sessions, cohort, path)
    return await submit_applications(
        sessions, client, task_queue, cohort, program, report, actor=actor, source=str(path)
    )


def check_uploaded_applications(
    sessions: sessionmaker[Session], cohort: str, data: bytes, filename: str
) -> tuple[ProgramConfig, ImportReport]:
    """``check_applications`` for a file uploaded through the console or the
    API: saved to a private temporary file (so it is read, streamed and
    refused exactly as the CLI reads a file), named by ``filename``."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(f"{filename}: larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    with tempfile.TemporaryDirectory(prefix="mentorflow-applications-") as folder:
        path = Path(folder) / "applications.csv"
        path.write_bytes(data)
        return check_applications(sessions, cohort, path, shown_as=filename)


async def import_uploaded_applications(
    sessions: sessionmaker[Session],
    connect: Callable[[], Awaitable[Client]],
    task_queue: str,
    cohort: str,
    data: bytes,
    filename: str,
    *,
    actor: Actor,
) -> ImportReport:
    """An uploaded file checked, then its valid rows submitted, as
    ``import_applications`` does for a path. Temporal is reached (``connect``)
    only when a row is valid, so a file of rejected rows is still reported
    while Temporal is down."""
    program, report = check_uploaded_applications(sessions, cohort, data, filename)
    if not report.rows:
        return report
    return await submit_applications(
        sessions, await connect(), task_queue, cohort, program, report, actor=actor, source=filename
    )


def one_application_csv(fields: Mapping[str, str]) -> bytes:
    """One application as a CSV of one row, so a single application added by
    hand goes through the very checks an imported row does."""
    columns = [c for c in COLUMNS if c in REQUIRED_COLUMNS or (fields.get(c) or "").strip()]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerow([(fields.get(c) or "").strip() for c in columns])
    return out.getvalue().encode()
