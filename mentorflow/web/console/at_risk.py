"""``/hr/at-risk``: every at-risk pair of the programs in scope, those to
follow up first, then those followed up (until their next streak)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mentorflow.hr import pairs
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.pairs import pair_path
from mentorflow.web.deps import SessionDep, TemplatesDep

router = APIRouter(prefix="/hr", dependencies=[Depends(csrf_protected)])


@router.get("/at-risk", response_class=HTMLResponse, include_in_schema=False)
async def at_risk(
    request: Request, access: ConsoleAccess, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    return console_page(
        request,
        templates,
        "hr/at_risk.html",
        flags=pairs.at_risk(session, access.programs),
        pair_path=pair_path,
    )
