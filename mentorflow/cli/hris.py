"""``mentorflow hris sync | schedule | history``: HR runs a directory sync now,
sets up the recurring one, and reads what past syncs did."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from mentorflow.cli.running import exit_after
from mentorflow.cli.store import store_sessions
from mentorflow.cohorts.states import SyncStatus
from mentorflow.consoles import console, errors
from mentorflow.hr import hris as hr_hris
from mentorflow.hr.audited import Actor
from mentorflow.hr.errors import StillRunning
from mentorflow.hris.models import SyncOutcome
from mentorflow.settings import Settings, get_settings

hris_app = typer.Typer(help="Keep the directory in sync with the HR system.", no_args_is_help=True)


@hris_app.command("sync")
def sync(
    csv: Path | None = typer.Option(
        None,
        "--csv",
        help="Read this CSV export (a path the worker can read) instead of the configured HRIS.",
    ),
    accept_leavers: int = typer.Option(
        0,
        "--accept-leavers",
        help="Confirm that up to this many leavers are real when the guard stopped a sync.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
    wait: float = typer.Option(
        600.0, help="Seconds to wait for the outcome; the sync goes on after that."
    ),
) -> None:
    """Sync the directory now and show what changed. Exits 1 when the sync was
    refused by the mass-leaver guard or the source could not be read, 2 when
    it has not finished within --wait."""
    exit_after(_sync(get_settings(), csv, accept_leavers, as_json, wait))


async def _sync(
    settings: Settings, csv: Path | None, accept_leavers: int, as_json: bool, wait: float
) -> int:
    from mentorflow.temporal_client import connect

    client = await connect(settings)
    try:
        with store_sessions(settings) as sessions:
            outcome = await hr_hris.sync_now(
                sessions,
                client,
                settings.temporal_task_queue,
                actor=Actor.shell(),
                csv=csv,
                accept_leavers=accept_leavers,
                wait=wait,
            )
    except StillRunning as exc:
        errors.print(exc.message, soft_wrap=True)
        return 2
    if as_json:
        console.print_json(outcome.model_dump_json())
    else:
        show_outcome(outcome)
    return 0 if outcome.status is SyncStatus.APPLIED else 1


def show_outcome(outcome: SyncOutcome) -> None:
    if outcome.status is not SyncStatus.APPLIED:
        errors.print(f"[bold red]sync {outcome.status.value}:[/] {outcome.reason}")
        if outcome.alert_recipients:
            errors.print(f"told: {', '.join(outcome.alert_recipients)}")
        return
    table = Table(title=f"Directory sync {outcome.sync_id} ({outcome.source})")
    table.add_column("change")
    table.add_column("count", justify="right")
    for label, count in outcome.changes():
        table.add_row(label, str(count))
    console.print(table)
    for leaver in outcome.leavers:
        ties = [m.mentorship_id for m in leaver.mentorships]
        console.print(
            f"left: {leaver.employee_id} {leaver.name}" + (f" ({', '.join(ties)})" if ties else "")
        )


@hris_app.command("schedule")
def schedule() -> None:
    """Create or update the recurring sync (the worker does this at start when
    MENTORFLOW_HRIS_SCIM_URL or MENTORFLOW_HRIS_CSV_PATH is set)."""
    exit_after(_schedule(get_settings()))


async def _schedule(settings: Settings) -> int:
    from mentorflow.temporal_client import connect

    client = await connect(settings)
    with store_sessions(settings) as sessions:
        created = await hr_hris.schedule_sync(sessions, client, settings, actor=Actor.shell())
    console.print(
        f"schedule hris-sync {'created' if created else 'updated'}: a {settings.hris_source} "
        f"sync every {settings.hris_sync_interval}"
    )
    return 0


@hris_app.command("history")
def history(limit: int = typer.Option(10, help="How many syncs to show, newest first.")) -> None:
    """The last syncs: when, from where, what they changed, or why they did not."""
    with store_sessions(get_settings()) as sessions:
        rows = hr_hris.sync_history(sessions, limit)
    table = Table(title="Directory syncs")
    for column in ("started", "source", "status", "joiners", "movers", "leavers", "why"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            f"{row.started_at:%Y-%m-%d %H:%M:%S}",
            row.source,
            row.status,
            str(row.joiners),
            str(row.movers),
            str(row.leavers),
            row.reason,
        )
    console.print(table)
