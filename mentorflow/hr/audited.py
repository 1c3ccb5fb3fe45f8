"""Every HR operation writes one audit row: who, what, on what, and how it
ended, whether the CLI, the console or the API asked for it.

The row is written in its own transaction after the operation, so a refusal
or a failure is on record as well as a success, and nothing the operation
rolled back takes the evidence with it.
"""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.audit import AuditAction, AuditRecord, AuditResult
from mentorflow.hr.errors import DidNotStart, HrError, StillRunning
from mentorflow.store.audit import record_audit


class Actor(BaseModel):
    """Who asks: a signed-in person's email, or ``cli:{user}`` at a shell."""

    who: str = Field(min_length=1, max_length=320)
    request_id: str = Field(default="", max_length=64)

    @classmethod
    def shell(cls) -> Actor:
        """The person at the terminal, by their login name."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):  # no user database entry (a bare container)
            user = "unknown"
        return cls(who=f"cli:{user}")


class Audit:
    """The row being built: ``detail`` can grow while the operation runs."""

    def __init__(self, detail: dict[str, Any]) -> None:
        self.detail = detail


def _result(exc: BaseException | None) -> tuple[AuditResult, dict[str, Any]]:
    if exc is None or isinstance(exc, StillRunning):
        return AuditResult.OK, {"still_running": True} if exc else {}
    if isinstance(exc, HrError):
        # Refused: the request was wrong or not allowed. Failed: it was fine
        # and did not work (the store away, a cohort no worker ran).
        failed = type(exc) in (HrError, DidNotStart)
        return (AuditResult.FAILED if failed else AuditResult.REFUSED), {
            "code": exc.code,
            "message": exc.message[:2000],
        }
    return AuditResult.FAILED, {"error": type(exc).__name__, "message": str(exc)[:2000]}


def _write(
    sessions: sessionmaker[Session],
    actor: Actor,
    action: AuditAction,
    target: str,
    audit: Audit,
    exc: BaseException | None,
) -> None:
    result, outcome = _result(exc)
    with sessions.begin() as session:
        record_audit(
            session,
            AuditRecord(
                actor=actor.who,
                action=action,
                target=target[:500],
                result=result,
                detail=audit.detail | outcome,
                request_id=actor.request_id,
            ),
        )


@contextmanager
def audited_sync(
    sessions: sessionmaker[Session],
    actor: Actor,
    action: AuditAction,
    target: str,
    **detail: Any,
) -> Iterator[Audit]:
    audit = Audit(dict(detail))
    try:
        yield audit
    except BaseException as exc:
        _write(sessions, actor, action, target, audit, exc)
        raise
    _write(sessions, actor, action, target, audit, None)


@asynccontextmanager
async def audited(
    sessions: sessionmaker[Session],
    actor: Actor,
    action: AuditAction,
    target: str,
    **detail: Any,
) -> AsyncIterator[Audit]:
    """``audited_sync`` around an operation that awaits."""
    with audited_sync(sessions, actor, action, target, **detail) as audit:
        yield audit
