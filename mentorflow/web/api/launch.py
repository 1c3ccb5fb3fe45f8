"""``POST /api/v1/programs/{name}/cohorts``: launch a cohort of a program,
from the program file's YAML text or the file stored with its latest cohort."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr.cohorts import LaunchedCohort
from mentorflow.hr.errors import InvalidInput
from mentorflow.hr.launching import MAX_PROGRAM_BYTES, stored_program, uploaded_program
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, require_program
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.console.scope import launcher, store
from mentorflow.web.deps import SessionDep, SettingsDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["cohorts"])


class LaunchRequest(BaseModel):
    name: str = Field(min_length=1, max_length=128, examples=["eng-2027-spring"])
    #: ISO 8601 duration applications stay open; default: the program's window.
    closes_in: str | None = Field(default=None, max_length=32, examples=["P14D"])
    #: The program file's YAML text; omitted: the file of the latest cohort.
    program_file: str | None = Field(default=None, max_length=MAX_PROGRAM_BYTES)
    #: How the file is named in its ``file:line:`` problems.
    filename: str = Field(default="program.yaml", max_length=200)


@router.post(
    "/programs/{name}/cohorts",
    status_code=201,
    responses=documented(401, 403, 404, 409, 422, 503),
)
async def launch_cohort(
    name: str,
    body: LaunchRequest,
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    settings: SettingsDep,
) -> LaunchedCohort:
    """Launch a cohort: applications open now. A program manager launches only
    a program they manage, from a file that still names them; a broken file
    is a 422 whose message has the ``file:line: problem`` lines."""
    if body.program_file is None:
        require_program(request, session, access, name)
        config = stored_program(store(request), name)
    else:
        config = uploaded_program(body.program_file.encode(), body.filename)
        if config.program_name != name:
            raise InvalidInput(
                f"{body.filename} is the program {config.program_name!r}, not {name!r}"
            )
    return await hr_cohorts.launch_cohort(
        store(request),
        await temporal(request),
        settings.temporal_task_queue,
        config,
        body.name,
        actor=actor(request, access),
        closes_in=body.closes_in,
        launcher=launcher(access),
    )
