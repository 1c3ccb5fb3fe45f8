"""The audit log as administrators export it: CSV (neutralised) or JSON, of
the rows a filter picks. Exporting is itself an HR action, so it is audited."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session, sessionmaker

from mentorflow.audit import AuditAction
from mentorflow.hr.audited import Actor, audited_sync
from mentorflow.hr.errors import InvalidInput
from mentorflow.reporting.csv_cells import csv_text
from mentorflow.store.audit import AuditFilter, list_audit
from mentorflow.store.schema import AuditEntry

FORMATS = ("csv", "json")
#: A bound on one export; narrow the filter for more.
EXPORT_LIMIT = 100_000
COLUMNS = ("id", "at", "actor", "action", "target", "result", "request_id", "detail")


def _row(entry: AuditEntry) -> dict[str, object]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "result": entry.result,
        "request_id": entry.request_id,
        "detail": entry.detail,
    }


def export_audit(
    sessions: sessionmaker[Session], where: AuditFilter, fmt: str, *, actor: Actor
) -> str:
    """The rows ``where`` picks, newest first, as ``csv`` or ``json``."""
    with audited_sync(
        sessions,
        actor,
        AuditAction.EXPORT,
        "audit",
        format=fmt,
        filter=where.model_dump(mode="json", exclude_none=True),
    ) as audit:
        if fmt not in FORMATS:
            raise InvalidInput(f"{fmt!r}: choose one of {', '.join(FORMATS)}")
        with sessions() as session:
            rows = [_row(e) for e in list_audit(session, where=where, limit=EXPORT_LIMIT)]
        audit.detail["rows"] = len(rows)
        if fmt == "json":
            return json.dumps(rows, indent=2)
        return csv_text(
            [
                list(COLUMNS),
                *(
                    [*(r[c] for c in COLUMNS[:-1]), json.dumps(r["detail"], sort_keys=True)]
                    for r in rows
                ),
            ]
        )
