"""``/hr/notices``: what HR heard about the pairs of the programs in scope
(not started, declined, ended early, participant left), newest first, and
whether a daily digest has carried each; an administrator can send today's
digest now."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mentorflow.hr import notices
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess, require_administrator
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.deps import SessionDep, SettingsDep, TemplatesDep

router = APIRouter(prefix="/hr/notices", dependencies=[Depends(csrf_protected)])

#: How long the page waits for the digest before saying it goes on.
DIGEST_WAIT = 30.0


def _page(
    request: Request, templates: TemplatesDep, access: ConsoleAccess, **ctx: object
) -> HTMLResponse:
    rows = notices.list_notices(request.app.state.sessionmaker, programs=access.programs)
    return console_page(
        request,
        templates,
        "hr/notices.html",
        notices=rows,
        administrator=access.administrator,
        **ctx,
    )


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def notice_list(
    request: Request, access: ConsoleAccess, templates: TemplatesDep
) -> HTMLResponse:
    return _page(request, templates, access)


@router.post("/digest", response_class=HTMLResponse, include_in_schema=False)
async def digest_now(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    require_administrator(request, session, access)
    result = await notices.send_digest(
        request.app.state.sessionmaker,
        await temporal(request),
        settings.temporal_task_queue,
        actor=actor(request, access),
        wait=DIGEST_WAIT,
    )
    return _page(request, templates, access, digest=result)
