"""A cohort's network (``/network``), its engagement over time
(``/engagement``) and its report as a download (``/report``)."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from mentorflow.hr.reports import cohort_report
from mentorflow.reporting.charts import bar_chart
from mentorflow.reporting.engagement import cohort_engagement
from mentorflow.reporting.network import cohort_network
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess
from mentorflow.web.auth.responses import console_page
from mentorflow.web.cohort_scope import cohort_in_scope, hr_reads_answers
from mentorflow.web.console.actions import actor
from mentorflow.web.deps import SessionDep, TemplatesDep
from mentorflow.web.security_headers import CONTENT_SECURITY_POLICY

router = APIRouter(prefix="/hr/cohorts", dependencies=[Depends(csrf_protected)])

_STYLE = re.compile(r"<style>(.*?)</style>", re.S)


def _report_policy(document: str) -> str:
    """The HTML report is self-contained (its styles inline, so it opens
    offline): allow exactly its own style blocks, by hash, and nothing else."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"
        for css in _STYLE.findall(document)
    )
    return CONTENT_SECURITY_POLICY.replace("style-src 'self'", f"style-src 'self' {hashes}")


MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


@router.get("/{name}/network", response_class=HTMLResponse, include_in_schema=False)
async def network(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    cohort = cohort_in_scope(request, session, access, name)
    found = cohort_network(session, name, hr_reads_answers(cohort))
    return console_page(request, templates, "hr/network.html", cohort=cohort, network=found)


@router.get("/{name}/engagement", response_class=HTMLResponse, include_in_schema=False)
async def engagement(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    cohort = cohort_in_scope(request, session, access, name)
    found = cohort_engagement(session, name, datetime.now(UTC).date())
    labels = [f"Week {w.number}" for w in found.weeks]
    charts = [
        bar_chart("Check-ins sent", labels, [w.sent for w in found.weeks]),
        bar_chart("Check-ins answered", labels, [w.answered for w in found.weeks]),
        bar_chart("Check-ins held", labels, [w.held for w in found.weeks]),
        bar_chart("Mean value (1–5)", labels, [w.mean_value for w in found.weeks]),
        bar_chart("Pairs at risk", labels, [w.at_risk for w in found.weeks]),
    ]
    return console_page(
        request,
        templates,
        "hr/engagement.html",
        cohort=cohort,
        engagement=found,
        charts=charts if found.weeks else [],
    )


@router.get("/{name}/report", include_in_schema=False)
async def report(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    format: str = "html",
    table: str | None = None,
) -> Response:
    cohort_in_scope(request, session, access, name)
    document = cohort_report(
        request.app.state.sessionmaker, name, format, table, actor=actor(request, access)
    )
    suffix = f"-{table}" if table else ""
    headers = {}
    if format == "html":
        headers["Content-Security-Policy"] = _report_policy(document)
    else:
        headers["Content-Disposition"] = f'attachment; filename="{name}{suffix}.{format}"'
    return Response(document, media_type=MEDIA_TYPES[format], headers=headers)
