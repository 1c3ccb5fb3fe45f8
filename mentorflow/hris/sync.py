"""One directory sync applied in one transaction: diff the directory we hold
against the source, stop at the mass-leaver guard, apply, and say who the
change touches. Either all of it is written (people, audit row, staged pages
dropped) or none of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from mentorflow.cohorts.states import SyncStatus
from mentorflow.directory import manager_map
from mentorflow.hris import effects
from mentorflow.hris.apply import apply_diff, held_directory
from mentorflow.hris.diff import DirectoryDiff, DirectoryRecord, diff_directory, too_many_leavers
from mentorflow.hris.models import SyncOutcome
from mentorflow.store import hris
from mentorflow.store.schema import HrisSync


def refusal(diff: DirectoryDiff, held: Mapping[str, DirectoryRecord], share: float) -> str:
    active = sum(record.active for record in held.values())
    return (
        f"The sync would mark {len(diff.leavers)} of {active} active people as leavers, "
        f"more than the {share:.0%} allowed at once. More likely the export is incomplete "
        "than that so many left: nothing was applied. If they really left, run "
        f"`mentorflow hris sync --accept-leavers {len(diff.leavers)}`."
    )


def summary_of(diff: DirectoryDiff) -> dict[str, object]:
    """What the audit row keeps: ids and changed fields, not whole records."""
    return {
        "joiners": [record.employee_id for record in diff.joiners],
        "updates": {move.employee_id: move.changes for move in diff.updates},
        "leavers": diff.leavers,
        "returners": [record.employee_id for record in diff.returners],
    }


def apply_sync(
    session: Session,
    *,
    sync_id: str,
    source: str,
    read: Callable[[Session, Mapping[str, DirectoryRecord]], Mapping[str, DirectoryRecord]],
    max_leaver_share: float,
    accept_leavers: int,
    alert_email: str | None,
    now: datetime,
) -> SyncOutcome:
    """Applies the directory that ``read`` gives (from the one held, which a
    SCIM source needs to fill what it does not carry) unless the mass-leaver
    guard refuses it. The caller owns the transaction (commit on return, roll
    back on error, e.g. a ``HrisSourceError`` from ``read``)."""
    hris.lock_directory(session)
    hris.begin_sync(session, sync_id, source, now)
    held = held_directory(session)
    incoming = read(session, held)
    diff = diff_directory(held, incoming)
    outcome = SyncOutcome(
        sync_id=sync_id,
        source=source,
        status=SyncStatus.APPLIED,
        people=sum(record.active for record in incoming.values()),
        joiners=len(diff.joiners),
        movers=len(diff.movers),
        updates=len(diff.updates),
        returners=len(diff.returners),
        leaving=len(diff.leavers),
    )
    guard = too_many_leavers(diff, held, max_leaver_share)
    if guard and len(diff.leavers) > accept_leavers:
        reason = refusal(diff, held, max_leaver_share)
        hris.finish_sync(
            session,
            sync_id,
            SyncStatus.REFUSED,
            now,
            reason=reason,
            leavers=len(diff.leavers),
            summary={"leavers": diff.leavers},
        )
        return outcome.model_copy(
            update={
                "status": SyncStatus.REFUSED,
                "reason": reason,
                "alert_recipients": alert_recipients(session, alert_email),
            }
        )
    before = {employee_id: record.manager_id for employee_id, record in held.items()}
    leavers = effects.leavers_with_ties(session, diff.leavers, held)
    apply_diff(session, dict(incoming), diff, now)
    alerts = effects.new_reporting_lines(session, before, manager_map(session))
    contacts = effects.contact_changes(session, diff, incoming)
    hris.finish_sync(
        session,
        sync_id,
        SyncStatus.APPLIED,
        now,
        joiners=len(diff.joiners),
        movers=len(diff.movers),
        leavers=len(diff.leavers),
        summary=summary_of(diff),
    )
    return outcome.model_copy(
        update={"leavers": leavers, "contact_changes": contacts, "reporting_line_alerts": alerts}
    )


def record_failure(session: Session, sync_id: str, reason: str, now: datetime) -> None:
    """A source that could not be read: recorded, nothing applied."""
    if session.get(HrisSync, sync_id) is not None:
        hris.finish_sync(session, sync_id, SyncStatus.FAILED, now, reason=reason)


def alert_recipients(session: Session, alert_email: str | None) -> list[str]:
    """Every program manager of a cohort under way, and the configured address."""
    return sorted({*effects.program_managers(session), *([alert_email] if alert_email else [])})
