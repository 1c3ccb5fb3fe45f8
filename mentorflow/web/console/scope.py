"""A cohort in the signed-in person's scope: the cohort's program must be one
they may see, on the console's pages and the API's routes alike."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.hr.cohort_reads import cohort_program_name
from mentorflow.hr.errors import NotFound
from mentorflow.hr.launching import Launcher
from mentorflow.web.auth.guard import require_program
from mentorflow.web.auth.roles import Access


def store(request: Request) -> sessionmaker[Session]:
    """The sessionmaker the ``mentorflow.hr`` operations take."""
    return request.app.state.sessionmaker  # type: ignore[no-any-return]


def require_cohort(request: Request, session: Session, access: Access, name: str) -> str:
    """The cohort's program, once the person may see it (403, recorded,
    otherwise). A cohort that does not exist is a 404 for an administrator
    and the same 403 as any other for a manager, so scope leaks no names."""
    program = cohort_program_name(store(request), name)
    if program is None and access.administrator:
        raise NotFound(f"no cohort {name!r}")
    require_program(request, session, access, program or f"(cohort {name})")
    assert program is not None
    return program


def launcher(access: Access) -> Launcher:
    return Launcher(
        email=access.person.email, administrator=access.administrator, managed=access.managed
    )
