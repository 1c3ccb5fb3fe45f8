"""HR and the HR system: a directory sync now (the same HrisSyncWorkflow the
``hris-sync`` schedule runs), the schedule itself, and past syncs."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.audit import AuditAction
from mentorflow.hr.audited import Actor, audited
from mentorflow.hr.errors import InvalidInput, NotFound, StillRunning
from mentorflow.hris.models import HrisSyncInput, SyncOutcome
from mentorflow.settings import Settings
from mentorflow.store import hris
from mentorflow.store.schema import HrisSync


async def sync_now(
    sessions: sessionmaker[Session],
    client: Client,
    task_queue: str,
    *,
    actor: Actor,
    csv: Path | None = None,
    accept_leavers: int = 0,
    wait: float = 600.0,
) -> SyncOutcome:
    """Runs a sync and returns what it did (or why it applied nothing: the
    mass-leaver guard, a source that cannot be read). ``csv`` is an export the
    worker reads instead of the configured HRIS."""
    detail = {"csv": str(csv) if csv else None, "accept_leavers": accept_leavers}
    async with audited(sessions, actor, AuditAction.SYNC, "directory", **detail) as audit:
        outcome = await _sync(client, task_queue, csv, accept_leavers, wait)
        audit.detail |= {"sync_id": outcome.sync_id, "status": outcome.status.value}
        return outcome


async def _sync(
    client: Client, task_queue: str, csv: Path | None, accept_leavers: int, wait: float
) -> SyncOutcome:
    csv_path = _worker_path(csv)
    sync_id = f"hris-sync-now-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
    handle = await client.start_workflow(
        "HrisSyncWorkflow",
        HrisSyncInput(csv_path=csv_path, accept_leavers=accept_leavers),
        id=sync_id,
        task_queue=task_queue,
        result_type=SyncOutcome,
    )
    try:
        return await asyncio.wait_for(handle.result(), timeout=wait)
    except TimeoutError as exc:
        raise StillRunning(
            f"sync {sync_id} has not finished within {wait:.0f} s; it goes on (is a worker "
            f"polling task queue {task_queue}?). `mentorflow hris history` shows it once done."
        ) from exc


def _worker_path(csv: Path | None) -> str | None:
    """The export as an absolute path the worker can open, checked here so a
    typo is told now rather than by a failed sync."""
    if csv is None:
        return None
    if not csv.is_file():
        raise NotFound(f"{csv}: no such file")
    return str(csv.resolve())


async def schedule_sync(
    sessions: sessionmaker[Session], client: Client, settings: Settings, *, actor: Actor
) -> bool:
    """Creates (True) or updates the recurring sync from the settings."""
    from mentorflow.hris.schedule import ensure_sync_schedule

    every = str(settings.hris_sync_interval)
    async with audited(sessions, actor, AuditAction.SCHEDULE_SYNC, "hris-sync", every=every):
        if settings.hris_source is None:
            raise InvalidInput(
                "no HRIS is configured: set MENTORFLOW_HRIS_SCIM_URL or MENTORFLOW_HRIS_CSV_PATH"
            )
        return bool(await ensure_sync_schedule(client, settings))


def sync_history(sessions: sessionmaker[Session], limit: int = 10) -> list[HrisSync]:
    """The last syncs, newest first."""
    with sessions() as session:
        return list(hris.recent_syncs(session, limit))
