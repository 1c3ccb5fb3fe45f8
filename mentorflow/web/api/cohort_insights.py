"""A cohort's network, engagement over time and report, as JSON (the report
also as CSV)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from mentorflow.hr.reports import cohort_report
from mentorflow.report import CohortReport
from mentorflow.reporting.engagement import Engagement, cohort_engagement
from mentorflow.reporting.network import Network, cohort_network
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess
from mentorflow.web.cohort_scope import cohort_in_scope, hr_reads_answers
from mentorflow.web.console.actions import actor
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["cohorts"])


@router.get("/cohorts/{name}/network", responses=documented(401, 403, 404))
async def network(name: str, request: Request, access: ApiAccess, session: SessionDep) -> Network:
    """Introductions, decisions and challenge themes; what people wrote only
    when the program lets HR read answers."""
    cohort = cohort_in_scope(request, session, access, name)
    return cohort_network(session, name, hr_reads_answers(cohort))


@router.get("/cohorts/{name}/engagement", responses=documented(401, 403, 404))
async def engagement(
    name: str, request: Request, access: ApiAccess, session: SessionDep
) -> Engagement:
    """Per week since the first pair started: check-ins sent, answered, held,
    mean value and pairs at risk."""
    cohort_in_scope(request, session, access, name)
    return cohort_engagement(session, name, datetime.now(UTC).date())


@router.get(
    "/cohorts/{name}/report",
    responses={
        **documented(401, 403, 404, 422),
        200: {
            "model": CohortReport,
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "The report as JSON, or one CSV table",
        },
    },
    response_model=None,
)
async def report(
    name: str,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    format: Literal["json", "csv"] = "json",
    table: Literal["summary", "early-ends", "blockers"] | None = None,
) -> Response:
    """The cohort report (audited as an export)."""
    cohort_in_scope(request, session, access, name)
    document = cohort_report(
        request.app.state.sessionmaker, name, format, table, actor=actor(request, access)
    )
    media = "application/json" if format == "json" else "text/csv; charset=utf-8"
    return Response(document, media_type=media)
