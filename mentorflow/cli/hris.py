"""``mentorflow hris sync | schedule | history``: HR runs a directory sync now,
sets up the recurring one, and reads what past syncs did."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from mentorflow.cli.running import exit_after
from mentorflow.cohorts.states import SyncStatus
from mentorflow.consoles import console, errors
from mentorflow.hris.models import HrisSyncInput, SyncOutcome
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
    refused by the mass-leaver guard or the source could not be read."""
    if csv is not None and not csv.is_file():
        errors.print(f"{csv}: no such file")
        raise typer.Exit(1)
    path = str(csv.resolve()) if csv else None
    exit_after(_sync(get_settings(), path, accept_leavers, as_json, wait))


async def _sync(
    settings: Settings, csv: str | None, accept_leavers: int, as_json: bool, wait: float
) -> int:
    from mentorflow.temporal_client import connect

    client = await connect(settings)
    sync_id = f"hris-sync-now-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
    handle = await client.start_workflow(
        "HrisSyncWorkflow",
        HrisSyncInput(csv_path=csv, accept_leavers=accept_leavers),
        id=sync_id,
        task_queue=settings.temporal_task_queue,
        result_type=SyncOutcome,
    )
    try:
        outcome = await asyncio.wait_for(handle.result(), timeout=wait)
    except TimeoutError:
        errors.print(
            f"sync {sync_id} has not finished within {wait:.0f} s; it goes on (is a worker "
            f"polling task queue {settings.temporal_task_queue}?). "
            "`mentorflow hris history` shows it once done."
        )
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
    effects = outcome.effects
    for label, count in (
        ("people in the HRIS", outcome.people),
        ("joiners", outcome.joiners),
        ("movers (department, manager, email, time zone, level)", outcome.movers),
        ("other updates", outcome.updates - outcome.movers),
        ("leavers", outcome.leaving),
        ("returners", outcome.returners),
        ("applications withdrawn", effects.applications_withdrawn),
        ("mentorships ended (participant left)", effects.mentorships_ended),
        ("mentees carried over to the next round", effects.mentees_waitlisted),
        ("running pairs given new contact details", effects.contacts_updated),
        ("pairs now in one reporting line (HR alerted)", len(outcome.reporting_line_alerts)),
    ):
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
    from mentorflow.hris.schedule import ensure_sync_schedule
    from mentorflow.temporal_client import connect

    if settings.hris_source is None:
        errors.print(
            "no HRIS is configured: set MENTORFLOW_HRIS_SCIM_URL or MENTORFLOW_HRIS_CSV_PATH"
        )
        return 1
    created = await ensure_sync_schedule(await connect(settings), settings)
    console.print(
        f"schedule hris-sync {'created' if created else 'updated'}: a {settings.hris_source} "
        f"sync every {settings.hris_sync_interval}"
    )
    return 0


@hris_app.command("history")
def history(limit: int = typer.Option(10, help="How many syncs to show, newest first.")) -> None:
    """The last syncs: when, from where, what they changed, or why they did not."""
    from mentorflow.store import hris
    from mentorflow.store.db import make_engine, make_sessionmaker, upgrade

    url = get_settings().resolved_database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            rows = hris.recent_syncs(session, limit)
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
    finally:
        engine.dispose()
    console.print(table)
