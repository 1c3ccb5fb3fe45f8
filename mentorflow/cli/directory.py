"""``mentorflow directory import FILE.csv``: HR's directory export into ``people``."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import typer
from rich.console import Console
from rich.table import Table

from mentorflow.cli.running import print_hr_error
from mentorflow.cli.store import store_sessions
from mentorflow.consoles import console, errors
from mentorflow.directory import ImportReport, RowProblem
from mentorflow.hr.audited import Actor
from mentorflow.hr.directory import import_directory_file
from mentorflow.hr.errors import HrError
from mentorflow.settings import get_settings


class RowReport(Protocol):
    errors: list[RowProblem]
    warnings: list[RowProblem]


directory_app = typer.Typer(help="The employee directory.", no_args_is_help=True)


@directory_app.command("import")
def import_file(
    file: Path = typer.Argument(help="CSV with employee_id,email,name,title,department,…"),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Check the file and show what would change; write nothing."
    ),
) -> None:
    """Import (or re-import) the directory; bad rows are listed, valid ones imported.

    People are matched by employee_id and updated in place; people missing from
    the file are left as they are. Exits 1 when any row was rejected.
    """
    try:
        with store_sessions(get_settings()) as sessions:
            report = import_directory_file(sessions, file, actor=Actor.shell(), dry_run=dry_run)
    except HrError as exc:
        print_hr_error(exc)
        raise typer.Exit(1) from None
    console.print(summary(report, str(file), dry_run=dry_run))
    print_problems(report, str(file))
    if not report.ok:
        errors.print(
            f"[bold red]{len(report.errors)} row(s) rejected[/]; the other rows were "
            + ("checked." if dry_run else "imported.")
        )
        raise typer.Exit(1)


def summary(report: ImportReport, path: str, *, dry_run: bool) -> Table:
    caption = "dry run: nothing was written" if dry_run else None
    table = Table("directory import", path, caption=caption, caption_justify="left")
    table.add_row("inserted", str(report.inserted))
    table.add_row("updated", str(report.updated))
    table.add_row("unchanged", str(report.unchanged))
    table.add_row("rejected", f"[red]{len(report.errors)}[/]" if report.errors else "0")
    table.add_row("warnings", f"[yellow]{len(report.warnings)}[/]" if report.warnings else "0")
    return table


def print_problems(report: RowReport, path: str, out: Console | None = None) -> None:
    """One line per problem, ``file:line: field: reason``, as editors and grep
    understand them; never wrapped, so a line can be copied whole. Shared by
    every import that reports rows (directory, applications)."""
    for kind, style, found in (
        ("rejected", "red", report.errors),
        ("warning", "yellow", report.warnings),
    ):
        for problem in found:
            (out or console).print(
                f"[{style}]{kind}[/] {problem.where(path)} ({problem.employee_id or 'no id'})",
                soft_wrap=True,
            )
