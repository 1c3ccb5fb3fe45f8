"""The ``mentorflow`` command: its sub-commands put together, and the ones
that run processes (``dev``, ``demo``, ``worker``, ``web``, ``db``)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import NoReturn

import typer
from rich.markup import escape
from rich.panel import Panel

from mentorflow.cli.cohort import cohort_app
from mentorflow.cli.cohort_review import report
from mentorflow.cli.directory import directory_app
from mentorflow.cli.hr import hr_app
from mentorflow.cli.hris import hris_app
from mentorflow.cli.mentorship import mentorship_app
from mentorflow.cli.program import program_app
from mentorflow.cli.round import round_app
from mentorflow.cli.running import exit_after
from mentorflow.consoles import console, errors, typer_options
from mentorflow.settings import Settings, get_settings

app = typer.Typer(
    help="mentorflow: mentoring programs as durable Temporal workflows.",
    no_args_is_help=True,
    add_completion=False,
    # Usage errors name values (a pair, a path): plain lines in a log, not a wrapped box.
    **typer_options(),
)
db_app = typer.Typer(help="The database schema (SQLite or PostgreSQL).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(mentorship_app, name="mentorship")
app.add_typer(program_app, name="program")
app.add_typer(directory_app, name="directory")
app.add_typer(cohort_app, name="cohort")
app.add_typer(round_app, name="round")
app.add_typer(hris_app, name="hris")
app.add_typer(hr_app, name="hr")
app.command("report")(report)


def _log_to_console() -> None:
    """Warnings of the worker, web app and sink, readable between the panels on
    a terminal; one plain line each in a log (Rich's columns would pad every
    line to the unwrapped width)."""
    from rich.logging import RichHandler

    if errors.attached:
        handler: logging.Handler = RichHandler(console=errors, show_path=False)
        logging.basicConfig(
            level=logging.WARNING, format="%(name)s: %(message)s", handlers=[handler]
        )
    else:
        logging.basicConfig(
            level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def _shown_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --------------------------------------------------------------------------- dev


@app.command()
def dev(
    ui: bool = typer.Option(True, "--ui/--no-ui", help="Serve the Temporal Web UI."),
) -> None:
    """Run everything on this machine (Temporal, worker, web app, mail sink).

    State lives in var/ (MENTORFLOW_VAR_DIR), so running it again resumes the
    mentorships where they were. Ctrl-C stops it.
    """
    _log_to_console()
    exit_after(_dev(get_settings(), ui=ui))


async def _dev(settings: Settings, *, ui: bool) -> int:
    from mentorflow.devstack import embedded_stack, stop_signals

    stop = stop_signals()
    async with embedded_stack(settings, ui=ui) as stack:
        lines = [f"[bold]Web app[/]      {stack.web_url}"]
        lines.append(f"[bold]HR console[/]   {stack.console_url}")
        if stack.oidc_dev_issuer:
            from mentorflow.devstack_identity import sign_in_hint

            lines.append(f"               {escape(sign_in_hint(stack.oidc_dev_issuer))}")
        if stack.mail_url:
            lines.append(f"[bold]Mail sink[/]    {stack.mail_url}")
        if stack.ui_url:
            lines.append(f"[bold]Temporal UI[/]  {stack.ui_url}")
        lines += [
            f"[bold]Temporal[/]     {stack.temporal_address} "
            f"(namespace {settings.temporal_namespace}, task queue "
            f"{settings.temporal_task_queue})",
            f"[bold]Database[/]     {_shown_url(settings.resolved_database_url)}",
            "",
            "[dim]Ctrl-C stops everything; running it again resumes where it was.[/]",
        ]
        console.print(Panel("\n".join(lines), title="mentorflow dev", expand=False))
        await stop.wait()
        console.print("Stopping: web app, worker, mail sink, Temporal …")
    console.print("Stopped.")
    return 0


# --------------------------------------------------------------------------- demo


@app.command()
def demo(
    file: Path = typer.Option(
        None, "--file", "-f", help="Demo script (default: examples/demo.yaml)."
    ),
    deadline: float = typer.Option(480.0, help="Give up after this many seconds."),
    ui: bool = typer.Option(True, "--ui/--no-ui", help="Serve the Temporal Web UI meanwhile."),
    linger: bool | None = typer.Option(
        None,
        "--linger/--no-linger",
        help="Keep the stack running after the summary, until Ctrl-C "
        "[default: when run in a terminal].",
        show_default=False,
    ),
) -> None:
    """Watch a whole cohort run in minutes, answered by simulated people.

    The directory and applications of examples/ go through the real HR path
    (eligibility, managers' approval, matching, HR's review); the pairs live
    with durations of seconds while simulated people answer their mail
    through its links. Ends with the cohort report.
    """
    from mentorflow.demo.plan import DEFAULT_PLAN, load_plan
    from mentorflow.demo.runner import run_demo

    async def main() -> int:
        plan = load_plan(file or DEFAULT_PLAN)
        return await run_demo(
            get_settings(), plan, console=console, deadline=deadline, ui=ui, linger=linger
        )

    exit_after(main())


# --------------------------------------------------------------------------- worker / web


@app.command()
def worker() -> None:
    """Run only the worker, against MENTORFLOW_TEMPORAL_ADDRESS."""
    _log_to_console()
    exit_after(_worker(get_settings()))


async def _worker(settings: Settings) -> int:
    from mentorflow.devstack import connect_with_retry, stop_signals
    from worker.main import running_worker

    stop = stop_signals()
    client = await connect_with_retry(settings, within=30.0)
    async with running_worker(client, settings):
        console.print(
            f"worker polling task queue [bold]{settings.temporal_task_queue}[/] on "
            f"{settings.resolved_temporal_address} (namespace {settings.temporal_namespace})"
        )
        await stop.wait()
    return 0


@app.command()
def web() -> None:
    """Run only the web app on MENTORFLOW_WEB_HOST:MENTORFLOW_WEB_PORT."""
    _log_to_console()
    exit_after(_web(get_settings()))


async def _web(settings: Settings) -> int:
    from mentorflow.devstack import stop_signals, web_server
    from mentorflow.store.db import upgrade

    stop = stop_signals()
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    async with web_server(settings, None):
        console.print(f"web app on http://{settings.web_host}:{settings.web_port}")
        await stop.wait()
    return 0


# --------------------------------------------------------------------------- db


def _database_error(url: str, exc: Exception) -> NoReturn:
    errors.print(f"[bold red]error:[/] database {_shown_url(url)}: {exc}")
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database (MENTORFLOW_DATABASE_URL) to the newest schema."""
    from sqlalchemy.exc import SQLAlchemyError

    from mentorflow.store.db import current_revision, upgrade

    url = get_settings().resolved_database_url
    try:
        upgrade(url)
        revision = current_revision(url)
    except (SQLAlchemyError, ValueError) as exc:
        _database_error(url, exc)
    console.print(f"{_shown_url(url)} is at revision {revision}")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision of the database."""
    from sqlalchemy.exc import SQLAlchemyError

    from mentorflow.store.db import current_revision

    url = get_settings().resolved_database_url
    try:
        revision = current_revision(url)
    except (SQLAlchemyError, ValueError) as exc:
        _database_error(url, exc)
    if revision is None:
        console.print(f"{_shown_url(url)} has no schema yet: run `mentorflow db upgrade`")
        raise typer.Exit(1)
    console.print(f"{_shown_url(url)} is at revision {revision}")
