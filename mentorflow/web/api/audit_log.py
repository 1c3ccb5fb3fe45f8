"""``GET /api/v1/audit``: the audit log for administrators, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from mentorflow.store.audit import count_audit, list_audit
from mentorflow.web.api.errors import documented
from mentorflow.web.audit_query import PAGE_SIZE, AuditQuery, audit_query
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, require_administrator
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["audit"])


class AuditRow(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    result: str
    detail: dict[str, Any]
    request_id: str


class AuditPage(BaseModel):
    page: int
    page_size: int
    #: Rows matching the filter, on every page.
    matching: int
    rows: list[AuditRow]


@router.get("/audit", responses=documented(401, 403))
async def audit_log(
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    query: Annotated[AuditQuery, Depends(audit_query)],
) -> AuditPage:
    """Filter by ``actor``, ``action``, ``result``, ``since``/``until`` (UTC
    days, inclusive); ``page`` from 1."""
    require_administrator(request, session, access)
    where = query.where()
    rows = list_audit(session, where=where, limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE)
    return AuditPage(
        page=query.page,
        page_size=PAGE_SIZE,
        matching=count_audit(session, where),
        rows=[AuditRow.model_validate(r, from_attributes=True) for r in rows],
    )
