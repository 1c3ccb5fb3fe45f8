"""HR imports a cohort's applications from a CSV: rows checked against the
cohort and the directory, the valid ones submitted as ApplicationWorkflows
(someone who applied already is a duplicate, so a re-import is harmless)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.applications.csv_import import (
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


def check_applications(
    sessions: sessionmaker[Session], cohort: str, path: Path
) -> tuple[ProgramConfig, ImportReport]:
    """The open cohort's program and the file's rows, checked against it and
    the directory; nothing submitted yet."""
    try:
        with sessions() as session:
            program = open_cohort(session, cohort)
            report = parse_applications(path, program.default_mentor_capacity)
            check_people(session, report)
            return program, report
    except ApplicationsFileError as exc:
        raise InvalidInput(f"{path}: {exc}") from exc
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
