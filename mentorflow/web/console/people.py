"""``/hr/people``: find a person in the directory; ``/hr/people/{id}``: what
they took part in, in the programs the signed-in person may see."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from mentorflow.reporting.people import person_history, search_people
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess
from mentorflow.web.auth.responses import console_page
from mentorflow.web.deps import SessionDep, TemplatesDep
from mentorflow.web.errors import PageError

router = APIRouter(prefix="/hr/people", dependencies=[Depends(csrf_protected)])


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def people(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    q: str = "",
) -> HTMLResponse:
    found = search_people(session, q[:200])
    return console_page(request, templates, "hr/people.html", q=q, found=found)


@router.get("/{employee_id}", response_class=HTMLResponse, include_in_schema=False)
async def person(
    employee_id: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    history = person_history(session, employee_id, access.programs)
    if history is None:
        raise PageError(404, "No such person", f"The directory has no employee {employee_id!r}.")
    return console_page(
        request, templates, "hr/person.html", history=history, administrator=access.administrator
    )
