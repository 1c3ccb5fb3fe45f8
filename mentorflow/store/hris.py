"""The store's side of a directory sync: its audit row, the SCIM pages staged
while pulling, and the lock that keeps two syncs from applying at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from mentorflow.cohorts.states import SyncStatus
from mentorflow.store.inserts import insert_for, inserted
from mentorflow.store.schema import HrisStagedPage, HrisSync

#: pg_advisory_xact_lock key of "applying a directory sync" (any constant will do).
_PG_SYNC_LOCK = 0x4D46_4852  # "MFHR"


def begin_sync(session: Session, sync_id: str, source: str, now: datetime) -> bool:
    """Records a sync as pulling; False when it was recorded already (a retry)."""
    statement = (
        insert_for(session, HrisSync)
        .values(sync_id=sync_id, source=source, status=SyncStatus.PULLING.value, started_at=now)
        .on_conflict_do_nothing(index_elements=["sync_id"])
    )
    return inserted(session, statement)


def stage_page(
    session: Session, sync_id: str, start_index: int, users: list[dict[str, Any]], now: datetime
) -> None:
    """Keeps one pulled page; pulling the same page again replaces it."""
    row = session.get(HrisStagedPage, (sync_id, start_index))
    if row is None:
        session.add(
            HrisStagedPage(sync_id=sync_id, start_index=start_index, users=users, fetched_at=now)
        )
    else:
        row.users, row.fetched_at = users, now


def staged_users(session: Session, sync_id: str) -> list[dict[str, Any]]:
    """Every staged user of a sync, in page order."""
    pages = session.scalars(
        select(HrisStagedPage)
        .where(HrisStagedPage.sync_id == sync_id)
        .order_by(HrisStagedPage.start_index)
    )
    return [user for page in pages for user in page.users]


def finish_sync(
    session: Session,
    sync_id: str,
    status: SyncStatus,
    now: datetime,
    *,
    reason: str = "",
    joiners: int = 0,
    movers: int = 0,
    leavers: int = 0,
    summary: dict[str, Any] | None = None,
) -> None:
    """Closes the sync's record and drops its staged pages, which are only
    needed until the diff is applied or refused."""
    row = session.get(HrisSync, sync_id)
    if row is None:
        raise LookupError(f"no sync {sync_id!r} was begun")
    row.status, row.reason, row.finished_at = status.value, reason, now
    row.joiners, row.movers, row.leavers = joiners, movers, leavers
    row.summary = summary or {}
    session.execute(delete(HrisStagedPage).where(HrisStagedPage.sync_id == sync_id))


def lock_directory(session: Session) -> None:
    """Serialises applying syncs until this transaction ends. PostgreSQL takes
    an advisory lock; SQLite allows one writer at a time anyway."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_SYNC_LOCK})


def recent_syncs(session: Session, limit: int = 10) -> list[HrisSync]:
    return list(session.scalars(select(HrisSync).order_by(HrisSync.started_at.desc()).limit(limit)))
