"""``mentorflow hr notices | digest``: the notices HR gets about pairs (not
started, declined, ended early, participant left), and their daily digest
sent now instead of at ``MENTORFLOW_HR_DIGEST_AT``."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from mentorflow.cli.api_keys import api_key_app
from mentorflow.cli.running import exit_after
from mentorflow.cli.store import store_sessions
from mentorflow.consoles import console, errors
from mentorflow.hr.audited import Actor
from mentorflow.hr.errors import StillRunning
from mentorflow.hr.notices import list_notices, send_digest
from mentorflow.settings import Settings, get_settings

hr_app = typer.Typer(
    help="What HR hears about the pairs, and its daily digest.", no_args_is_help=True
)
hr_app.add_typer(api_key_app, name="api-key")


@hr_app.command("notices")
def notices(
    cohort: str | None = typer.Option(None, "--cohort", help="Only this cohort's notices."),
    as_json: bool = typer.Option(False, "--json", help="Print the notices as JSON."),
    limit: int = typer.Option(200, help="How many to show, newest first."),
) -> None:
    """The HR notices, newest first, and whether the digest has carried them."""
    with store_sessions(get_settings()) as sessions:
        rows = list_notices(sessions, cohort=cohort, limit=limit)
    if as_json:
        # Plain print: Rich would wrap long values at 80 columns in a pipe.
        print(json.dumps(rows, indent=2))
        return
    table = Table(title="HR notices" + (f" of {cohort}" if cohort else ""))
    for column in ("when (UTC)", "kind", "cohort", "mentor", "mentee", "reason", "digest"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["happened_at"][:16].replace("T", " "),
            row["kind"].replace("_", " "),
            row["cohort"],
            row["mentor"]["name"],
            row["mentee"]["name"],
            row["reason"],
            "sent" if row["digested_at"] else "due",
        )
    console.print(table)
    if not rows:
        console.print("no notices")


@hr_app.command("digest")
def digest(
    wait: float = typer.Option(120.0, help="Seconds to wait for the digest to be sent."),
) -> None:
    """Send today's digest of HR notices now (one email per program and
    manager; a program whose digest went out today gets nothing more)."""
    exit_after(_digest(get_settings(), wait))


async def _digest(settings: Settings, wait: float) -> int:
    from mentorflow.temporal_client import connect

    client = await connect(settings)
    try:
        with store_sessions(settings) as sessions:
            result = await send_digest(
                sessions, client, settings.temporal_task_queue, actor=Actor.shell(), wait=wait
            )
    except StillRunning as exc:
        errors.print(exc.message, soft_wrap=True)
        return 2
    if not result.digests:
        console.print(f"no HR notices waiting on {result.day:%Y-%m-%d}")
    failed = 0
    for sent in result.digests:
        if sent.failed:
            failed += 1
            errors.print(f"{sent.program_name} → {sent.to}: not sent: {sent.failed}")
        elif sent.notices and not sent.already_sent:
            console.print(f"{sent.program_name} → {sent.to}: {sent.notices} notices sent")
        else:
            console.print(f"{sent.program_name} → {sent.to}: today's digest had already gone out")
        if sent.waiting:
            console.print(f"  {sent.waiting} later notices go in tomorrow's digest")
    return 1 if failed else 0
