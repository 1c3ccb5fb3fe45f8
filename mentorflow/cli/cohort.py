"""``mentorflow cohort``: what HR does with a cohort.

``cohort applications import NAME FILE.csv`` submits each valid row to the
person's ApplicationWorkflow; the logic is in ``mentorflow.applications.csv_import``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from mentorflow.applications.csv_import import (
    ApplicationsFileError,
    ImportReport,
    check_people,
    open_cohort,
    parse_applications,
    submit_rows,
)
from mentorflow.cli.directory import print_problems as print_row_problems
from mentorflow.cli.running import exit_after
from mentorflow.consoles import console, errors
from mentorflow.program import ProgramConfig
from mentorflow.settings import Settings, get_settings
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade

cohort_app = typer.Typer(help="Cohorts: applications, matching, approval.", no_args_is_help=True)
applications_app = typer.Typer(help="A cohort's applications.", no_args_is_help=True)
cohort_app.add_typer(applications_app, name="applications")


@applications_app.command("import")
def import_applications(
    name: str = typer.Argument(help="The cohort, as launched."),
    file: Path = typer.Argument(help="CSV: employee_id,role,capacity,expertise,goals,…"),
) -> None:
    """Submit the applications in FILE to cohort NAME.

    Bad rows are listed with their line and reason; the valid ones are
    submitted. Someone who already applied is counted as a duplicate, so
    importing the same file again is harmless. Exits 1 when any row was rejected.
    """
    exit_after(_import(get_settings(), name, file))


async def _import(settings: Settings, name: str, file: Path) -> int:
    from mentorflow.temporal_client import connect

    try:
        program, report = _checked_rows(settings, name, file)
    except ApplicationsFileError as exc:
        errors.print(f"[bold red]error:[/] {file}: {exc}")
        return 1
    except SQLAlchemyError as exc:
        errors.print(f"[bold red]error:[/] database: {exc}")
        return 1
    if report.rows:
        client = await connect(settings)  # unreachable: told by exit_after, nothing submitted
        await submit_rows(client, settings.temporal_task_queue, name, program, report)
    console.print(summary(report, name, str(file)))
    print_problems(report, str(file))
    if not report.ok:
        errors.print(
            f"[bold red]{len(report.errors)} row(s) rejected[/]; the other rows were submitted."
        )
        return 1
    return 0


def _checked_rows(settings: Settings, name: str, file: Path) -> tuple[ProgramConfig, ImportReport]:
    """The cohort's program and the file's rows, checked against the directory."""
    url = settings.resolved_database_url
    # Cheap when the schema is current; a fresh machine needs no extra step.
    upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            program = open_cohort(session, name)
            report = parse_applications(file, program.default_mentor_capacity)
            check_people(session, report)
    finally:
        engine.dispose()
    return program, report


def summary(report: ImportReport, cohort: str, path: str) -> Table:
    table = Table(f"applications to {cohort}", path)
    table.add_row("submitted", str(len(report.submitted)))
    table.add_row("already applied", str(len(report.duplicates)))
    table.add_row("rejected", f"[red]{len(report.errors)}[/]" if report.errors else "0")
    table.add_row("warnings", f"[yellow]{len(report.warnings)}[/]" if report.warnings else "0")
    return table


def print_problems(report: ImportReport, path: str) -> None:
    """The rejected and warned rows as for a directory import, then the duplicates."""
    print_row_problems(report, path, console)
    for line, employee_id, message in report.duplicates:
        console.print(f"duplicate {path}:{line}: {employee_id}: {message}", soft_wrap=True)
