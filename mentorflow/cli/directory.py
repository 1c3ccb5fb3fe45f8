"""``mentorflow directory import FILE.csv``: HR's directory export into ``people``."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from mentorflow.consoles import console, errors
from mentorflow.directory import DirectoryFileError, ImportReport, RowProblem, import_directory
from mentorflow.settings import get_settings
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade


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
    url = get_settings().resolved_database_url
    try:
        # Cheap when the schema is current; a fresh machine needs no extra step.
        upgrade(url)
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session, session.begin():
                report = import_directory(session, file)
                if dry_run:
                    session.rollback()
        finally:
            engine.dispose()
    except DirectoryFileError as exc:
        errors.print(f"[bold red]error:[/] {escape(exc.where(str(file)))}", soft_wrap=True)
        raise typer.Exit(1) from None
    except SQLAlchemyError as exc:
        errors.print(f"[bold red]error:[/] database: {exc}")
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
