"""What HR hears about the pairs (not started, declined, ended early,
participant left), and the day's digest of it sent now."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.audit import AuditAction
from mentorflow.hr.audited import Actor, audited
from mentorflow.hr.errors import StillRunning
from mentorflow.notices.digest import pair_of
from mentorflow.notices.models import HrDigestResult
from mentorflow.notices.run import send_digest_now
from mentorflow.store import hr_notices


def list_notices(
    sessions: sessionmaker[Session],
    *,
    cohort: str | None = None,
    programs: Collection[str] | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The notices, newest first, each with its pair and whether a digest has
    carried it (JSON-ready); only those of ``programs`` when given."""
    if programs is not None and not programs:
        return []
    with sessions() as session:
        return [
            {
                "id": notice.id,
                "kind": notice.kind,
                "program": notice.program_name,
                "happened_at": notice.happened_at.isoformat(),
                "day": notice.day.isoformat(),
                "digested_at": notice.digested_at.isoformat() if notice.digested_at else None,
                "resolved_at": notice.resolved_at.isoformat() if notice.resolved_at else None,
                **pair_of(notice),
            }
            for notice in hr_notices.list_notices(
                session, cohort=cohort, program_names=programs, limit=limit
            )
        ]


async def send_digest(
    sessions: sessionmaker[Session],
    client: Client,
    task_queue: str,
    *,
    actor: Actor,
    wait: float = 120.0,
) -> HrDigestResult:
    """Today's digest now: one email per program and manager; a program whose
    digest went out today gets nothing more."""
    async with audited(sessions, actor, AuditAction.SEND_DIGEST, "hr-digest") as audit:
        result = await _send(client, task_queue, wait)
        audit.detail |= {
            "day": result.day.isoformat(),
            "sent": sum(d.notices for d in result.digests if not d.already_sent),
        }
        return result


async def _send(client: Client, task_queue: str, wait: float) -> HrDigestResult:
    try:
        return await asyncio.wait_for(send_digest_now(client, task_queue), timeout=wait)
    except TimeoutError as exc:
        raise StillRunning(
            f"the digest has not finished within {wait:.0f} s (is a worker polling task queue "
            f"{task_queue}?); it goes on."
        ) from exc
