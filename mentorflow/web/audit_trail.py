"""Writing the audit log from a request: who (the signed-in person, or
``anonymous``), the request id, committed at once so that a refusal is
recorded even though the request ends in an error."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from mentorflow.audit import AuditAction, AuditRecord, AuditResult
from mentorflow.store.audit import record_audit
from mentorflow.web.auth.session import signed_in
from mentorflow.web.request_ids import request_id

ANONYMOUS = "anonymous"


def audit(
    request: Request,
    session: Session,
    action: AuditAction,
    result: AuditResult,
    *,
    target: str = "",
    actor: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    if actor is None:
        person = signed_in(request)
        actor = person.email if person else ANONYMOUS
    record_audit(
        session,
        AuditRecord(
            actor=actor,
            action=action,
            result=result,
            target=target[:500],
            detail=detail or {},
            request_id=request_id(request),
        ),
    )
    session.commit()
