"""``mentorflow cohort``: what HR does with a cohort.

``cohort applications import NAME FILE.csv`` checks the file
(``mentorflow.hr.applications``) and submits each valid row to the person's
ApplicationWorkflow.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from mentorflow.applications.csv_import import ImportReport
from mentorflow.cli.directory import print_problems as print_row_problems
from mentorflow.cli.running import exit_after
from mentorflow.cli.store import store_sessions
from mentorflow.consoles import console, errors
from mentorflow.hr.applications import check_applications, submit_applications
from mentorflow.hr.audited import Actor
from mentorflow.settings import Settings, get_settings

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

    with store_sessions(settings) as sessions:
        program, report = check_applications(sessions, name, file)
        if report.rows:
            client = await connect(settings)  # unreachable: told by exit_after, nothing submitted
            await submit_applications(
                sessions,
                client,
                settings.temporal_task_queue,
                name,
                program,
                report,
                actor=Actor.shell(),
                source=str(file),
            )
    console.print(summary(report, name, str(file)))
    print_problems(report, str(file))
    if not report.ok:
        errors.print(
            f"[bold red]{len(report.errors)} row(s) rejected[/]; the other rows were submitted."
        )
        return 1
    return 0


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
