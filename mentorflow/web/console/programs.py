"""``/hr``: the programs in the signed-in person's scope with their cohorts;
``/hr/programs/{name}``: one of them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mentorflow.reporting.programs import rollup
from mentorflow.store.programs import program_overviews
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess, require_program
from mentorflow.web.auth.responses import console_page
from mentorflow.web.deps import SessionDep, TemplatesDep
from mentorflow.web.errors import PageError

router = APIRouter(prefix="/hr", dependencies=[Depends(csrf_protected)])


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def programs(
    request: Request, access: ConsoleAccess, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    return console_page(
        request,
        templates,
        "hr/programs.html",
        programs=program_overviews(session, access.programs),
        rollup=rollup(session, access.programs),
        administrator=access.administrator,
    )


@router.get("/programs/{name}", response_class=HTMLResponse, include_in_schema=False)
async def program(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    require_program(request, session, access, name)
    found = program_overviews(session, [name])
    if not found:
        raise PageError(404, "No such program", f"No cohort of a program named {name!r} exists.")
    return console_page(
        request,
        templates,
        "hr/program.html",
        program=found[0],
        rollup=rollup(session, [name]).programs[0],
    )
