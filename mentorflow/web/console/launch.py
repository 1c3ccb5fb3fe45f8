"""Launching a cohort from the console: ``GET /hr/launch`` (the form, also on
each program's page) and ``POST /hr/launch``, with an uploaded program file
or the file stored with the program's latest cohort."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse

from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr.errors import InvalidInput
from mentorflow.hr.launching import (
    MAX_PROGRAM_BYTES,
    launchable_programs,
    stored_program,
    uploaded_program,
)
from mentorflow.program import ProgramConfig
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess, require_program
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, done, temporal
from mentorflow.web.console.cohorts import cohort_path
from mentorflow.web.console.scope import launcher, store
from mentorflow.web.deps import SessionDep, SettingsDep, TemplatesDep

router = APIRouter(prefix="/hr", dependencies=[Depends(csrf_protected)])


@router.get("/launch", response_class=HTMLResponse, include_in_schema=False)
async def launch_form(
    request: Request,
    access: ConsoleAccess,
    templates: TemplatesDep,
    program: str = "",
) -> HTMLResponse:
    return console_page(
        request,
        templates,
        "hr/launch.html",
        programs=launchable_programs(store(request), access.programs),
        chosen=program,
        administrator=access.administrator,
    )


async def _program_file(file: UploadFile | None) -> ProgramConfig | None:
    if file is not None and file.filename:
        data = await file.read(MAX_PROGRAM_BYTES + 1)
        return uploaded_program(data, file.filename)
    return None


@router.post("/launch", include_in_schema=False)
async def launch(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    settings: SettingsDep,
    name: Annotated[str, Form(max_length=128)],
    closes_in: Annotated[str, Form(max_length=32)] = "",
    stored: Annotated[str, Form(max_length=200)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> RedirectResponse:
    program = await _program_file(file)
    if program is None and stored:
        require_program(request, session, access, stored)
        program = stored_program(store(request), stored)
    if program is None:
        raise InvalidInput("Choose a program file to upload, or the stored file of a program.")
    if not name.strip():
        raise InvalidInput("Give the cohort a name, e.g. eng-2027-spring.")
    launched = await hr_cohorts.launch_cohort(
        store(request),
        await temporal(request),
        settings.temporal_task_queue,
        program,
        name.strip(),
        actor=actor(request, access),
        closes_in=closes_in.strip() or None,
        launcher=launcher(access),
    )
    return done(
        request,
        cohort_path(launched.name),
        f"Cohort {launched.name} of {launched.program_name} launched: applications are open "
        f"until {launched.closes_at:%d %B %Y %H:%M} UTC.",
    )
