"""``mentorflow hr api-key issue | list | revoke``: API keys for integrations,
from the shell (whoever can run this can read the store anyway)."""

from __future__ import annotations

from datetime import datetime

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from mentorflow.cli.running import print_hr_error
from mentorflow.cli.store import store_sessions
from mentorflow.consoles import console
from mentorflow.hr.api_keys import (
    ApiKeyRequest,
    KeyRole,
    issue_api_key,
    list_api_keys,
    pepper_from,
    revoke_api_key,
)
from mentorflow.hr.audited import Actor
from mentorflow.hr.errors import HrError
from mentorflow.settings import get_settings

api_key_app = typer.Typer(help="API keys for integrations of /api/v1.", no_args_is_help=True)


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


@api_key_app.command("issue")
def issue(
    name: str = typer.Option(..., "--name", help="What the key is for (shown in the audit log)."),
    program: list[str] = typer.Option(
        [], "--program", help="Acts as manager of this program (repeat); none: administrator."
    ),
    expires: datetime | None = typer.Option(None, "--expires", help="Expiry (UTC)."),
) -> None:
    """Issue a key and print it: this is the only time it is shown."""
    settings = get_settings()
    try:
        request = ApiKeyRequest(
            name=name,
            role=KeyRole.PROGRAM_MANAGER if program else KeyRole.ADMINISTRATOR,
            programs=program,
            expires_at=expires,
        )
        with store_sessions(settings) as sessions:
            issued = issue_api_key(
                sessions, pepper_from(settings.resolved_secret_key), request, actor=Actor.shell()
            )
    except ValidationError as exc:
        print_hr_error(HrError("; ".join(e["msg"] for e in exc.errors())))
        raise typer.Exit(1) from exc
    except HrError as exc:
        print_hr_error(exc)
        raise typer.Exit(1) from exc
    console.print(f"issued {issued.api_key.label}; keep the key now, it is not shown again:")
    print(issued.key)


@api_key_app.command("list")
def list_keys() -> None:
    """Every key (never a secret), newest first."""
    with store_sessions(get_settings()) as sessions, sessions() as session:
        keys = list_api_keys(session)
    table = Table(title="API keys")
    columns = ("id", "name", "role", "programs", "issued", "by", "last used", "expires", "state")
    for column in columns:
        table.add_column(column)
    for key in keys:
        table.add_row(
            key.key_id,
            escape(key.name),
            key.role.value.replace("_", " "),
            escape(", ".join(key.programs)),
            _when(key.issued_at),
            key.issued_by,
            _when(key.last_used_at),
            _when(key.expires_at),
            f"revoked {_when(key.revoked_at)}" if key.revoked_at else "active",
        )
    console.print(table)
    if not keys:
        console.print("no API keys")


@api_key_app.command("revoke")
def revoke(key_id: str = typer.Argument(..., help="The key's id (mfk_<id>_...).")) -> None:
    """Revoke a key: it stops working at once."""
    try:
        with store_sessions(get_settings()) as sessions:
            key = revoke_api_key(sessions, key_id.removeprefix("mfk_"), actor=Actor.shell())
    except HrError as exc:
        print_hr_error(exc)
        raise typer.Exit(1) from exc
    console.print(f"revoked {key.label}")
