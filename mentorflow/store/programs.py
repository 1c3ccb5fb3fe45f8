"""Programs as the store knows them: from the programs of the launched cohorts.

A program has no table of its own; each cohort keeps the whole program file it
was launched with. Who manages a program is read from its most recently
launched cohort, so that a manager taken off the file loses the program with
the next launch instead of keeping it through every old cohort.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorflow.cohorts.states import CohortStatus
from mentorflow.programs_overview import CohortOverview, ProgramOverview
from mentorflow.store.schema import Application, Cohort, Mentorship


def _managers(program: dict) -> list[str]:
    named = [program.get("program_manager_email") or "", *(program.get("managers") or [])]
    return list(dict.fromkeys(str(e).strip().lower() for e in named if str(e).strip()))


def program_managers(session: Session) -> dict[str, list[str]]:
    """Each program's managers (program name → emails), from its newest cohort."""
    newest: dict[str, list[str]] = {}
    rows = session.execute(
        select(Cohort.program_name, Cohort.program).order_by(
            Cohort.created_at.asc(), Cohort.name.asc()
        )
    )
    for name, program in rows:
        newest[name] = _managers(program or {})  # later rows win
    return newest


def _counts(session: Session, column: object, grouped_by: object) -> dict[str, int]:
    rows = session.execute(select(grouped_by, func.count(column)).group_by(grouped_by))
    return {str(key): int(count) for key, count in rows}


def program_overviews(
    session: Session, programs: Collection[str] | None = None
) -> list[ProgramOverview]:
    """The programs named (all when ``programs`` is None), by name, each with
    its cohorts newest first."""
    query = select(Cohort).order_by(Cohort.opens_at.desc(), Cohort.name.asc())
    if programs is not None:
        if not programs:
            return []
        query = query.where(Cohort.program_name.in_(list(programs)))
    cohorts = session.scalars(query).all()
    applications = _counts(session, Application.id, Application.cohort)
    pairs = _counts(session, Mentorship.id, Mentorship.cohort)
    managers = program_managers(session)

    by_program: dict[str, list[CohortOverview]] = defaultdict(list)
    for cohort in cohorts:
        by_program[cohort.program_name].append(
            CohortOverview(
                name=cohort.name,
                program=cohort.program_name,
                status=CohortStatus(cohort.status),
                opens_at=cohort.opens_at,
                closes_at=cohort.closes_at,
                applications=applications.get(cohort.name, 0),
                pairs=pairs.get(cohort.name, 0),
            )
        )
    return [
        ProgramOverview(name=name, managers=managers.get(name, []), cohorts=by_program[name])
        for name in sorted(by_program)
    ]
