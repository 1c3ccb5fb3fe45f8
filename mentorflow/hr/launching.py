"""Who may launch a cohort of which program, and the program files a launch
reads: one uploaded through the console or the API, or the file stored with
the program's latest cohort (re-launching with the same file).

A program manager may launch only a program they already run, from a file
that still names them: nobody takes over another program by uploading a
file that names themselves, and a brand-new program is an administrator's
to start."""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from pathlib import Path, PurePath

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.hr.cohorts import read_program
from mentorflow.hr.errors import InvalidInput, NotAllowed, NotFound
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.programs import program_managers
from mentorflow.store.schema import Cohort

#: A program file is a page of YAML; anything bigger is not one.
MAX_PROGRAM_BYTES = 256 * 1024


class Launcher(BaseModel):
    """The signed-in person launching, as their access says."""

    email: str
    administrator: bool
    managed: frozenset[str] = frozenset()


def check_may_launch(
    sessions: sessionmaker[Session], launcher: Launcher, program: ProgramConfig
) -> None:
    """``NotAllowed`` unless ``launcher`` may launch a cohort of ``program``."""
    if launcher.administrator:
        return
    name = program.program_name
    with sessions() as session:
        known = name in program_managers(session)
    if not known:
        raise NotAllowed(
            f"The file is for {name!r}, a program that has no cohort yet. A new program is "
            "started by an HR administrator; once it runs, its managers launch its cohorts."
        )
    if name not in launcher.managed:
        raise NotAllowed(f"The program {name!r} is not among the programs you manage.")
    named = {e.strip().lower() for e in (program.program_manager_email, *program.managers)}
    if launcher.email.strip().lower() not in named:
        raise NotAllowed(
            f"The file does not name you ({launcher.email}) as a manager of {name!r}: "
            "launching it would hand the program to others. Add yourself under managers: "
            "or ask an administrator."
        )


def uploaded_program(data: bytes, filename: str) -> ProgramConfig:
    """The uploaded program file, checked as ``program check`` checks one;
    its problems name the file as it was uploaded."""
    shown = PurePath(filename or "program.yaml").name or "program.yaml"
    if not data.strip():
        raise InvalidInput(f"{shown}:1: the file is empty")
    if len(data) > MAX_PROGRAM_BYTES:
        raise InvalidInput(f"{shown}:1: larger than {MAX_PROGRAM_BYTES // 1024} KiB")
    with tempfile.TemporaryDirectory(prefix="mentorflow-program-") as folder:
        path = Path(folder) / "program.yaml"
        path.write_bytes(data)
        return read_program(path, shown_as=shown)


def stored_program(sessions: sessionmaker[Session], program_name: str) -> ProgramConfig:
    """The program file of ``program_name``'s latest cohort, to launch again."""
    with sessions() as session:
        latest = session.scalars(
            select(Cohort)
            .where(Cohort.program_name == program_name)
            .order_by(Cohort.created_at.desc(), Cohort.name.desc())
            .limit(1)
        ).first()
        if latest is None:
            raise NotFound(f"no cohort of {program_name!r} has been launched: upload its file")
        return cohorts.cohort_program(latest)


def launchable_programs(
    sessions: sessionmaker[Session], scope: Collection[str] | None
) -> list[str]:
    """The programs whose stored file can be launched again, in scope."""
    with sessions() as session:
        names = sorted(program_managers(session))
    return [n for n in names if scope is None or n in scope]
