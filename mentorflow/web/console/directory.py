"""``/hr/directory``: the employee directory, for administrators: how many
people it holds, and importing an HRIS export (CSV), checked first or
imported, with the same row-by-row report as ``mentorflow directory import``."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from mentorflow.hr.directory import import_directory_file
from mentorflow.store.schema import Person
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess, require_administrator
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor
from mentorflow.web.console.uploads import saved_upload, shown_name
from mentorflow.web.deps import SessionDep, TemplatesDep

router = APIRouter(prefix="/hr/directory", dependencies=[Depends(csrf_protected)])


def _people(session: SessionDep) -> int:
    return int(session.scalar(select(func.count()).select_from(Person)) or 0)


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def directory(
    request: Request, access: ConsoleAccess, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    require_administrator(request, session, access)
    return console_page(request, templates, "hr/directory.html", people=_people(session))


@router.post("/import", response_class=HTMLResponse, include_in_schema=False)
async def import_export(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    file: Annotated[UploadFile, File()],
    check_only: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    require_administrator(request, session, access)
    name = shown_name(file, "directory.csv")
    with saved_upload(file, ".csv") as path:
        # Two passes over a file of any size: off the event loop.
        report = await asyncio.to_thread(
            import_directory_file,
            request.app.state.sessionmaker,
            path,
            actor=actor(request, access),
            dry_run=check_only,
            shown_as=name,
        )
    return console_page(
        request,
        templates,
        "hr/directory.html",
        people=_people(session),
        report=report,
        file_name=name,
        checked_only=check_only,
    )
