"""``/hr/audit``: the audit log for administrators, newest first, filtered
and paged, and its export (CSV or JSON, itself audited)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from mentorflow.audit import AuditAction, AuditResult
from mentorflow.hr.audit_log import export_audit
from mentorflow.store.audit import count_audit, list_audit
from mentorflow.web.audit_query import PAGE_SIZE, AuditQuery, audit_query
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess, require_administrator
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor
from mentorflow.web.deps import SessionDep, TemplatesDep

router = APIRouter(prefix="/hr/audit", dependencies=[Depends(csrf_protected)])

QueryDep = Annotated[AuditQuery, Depends(audit_query)]


def _link(query: AuditQuery, **changes: object) -> str:
    fields = query.model_dump(mode="json") | changes
    return urlencode({k: v for k, v in fields.items() if v not in (None, "", 1)})


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def audit_page(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    query: QueryDep,
) -> HTMLResponse:
    require_administrator(request, session, access)
    where = query.where()
    rows = list_audit(session, where=where, limit=PAGE_SIZE, offset=(query.page - 1) * PAGE_SIZE)
    matching = count_audit(session, where)
    pages = max(1, -(-matching // PAGE_SIZE))
    return console_page(
        request,
        templates,
        "hr/audit.html",
        query=query,
        rows=rows,
        matching=matching,
        pages=pages,
        previous=_link(query, page=query.page - 1) if query.page > 1 else None,
        next=_link(query, page=query.page + 1) if query.page < pages else None,
        filters=_link(query, page=1),
        actions=[a.value for a in AuditAction],
        results=[r.value for r in AuditResult],
    )


@router.get("/export", include_in_schema=False)
async def export(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    query: QueryDep,
    format: str = "csv",
) -> Response:
    require_administrator(request, session, access)
    document = export_audit(
        request.app.state.sessionmaker, query.where(), format, actor=actor(request, access)
    )
    media = "application/json" if format == "json" else "text/csv; charset=utf-8"
    return Response(
        document,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit.{format}"'},
    )
