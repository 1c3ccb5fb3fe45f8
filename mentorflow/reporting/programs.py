"""The roll-up on ``/hr``: each program in scope with its cohorts' figures,
the program's sum, and for an administrator the sum of all programs."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel
from sqlalchemy.orm import Session

from mentorflow.programs_overview import CohortOverview
from mentorflow.reporting.figures import Figures, cohort_figures, total
from mentorflow.store.programs import program_overviews


class CohortRollup(BaseModel):
    cohort: CohortOverview
    figures: Figures


class ProgramRollup(BaseModel):
    name: str
    managers: list[str]
    cohorts: list[CohortRollup]
    #: The cohorts' figures summed (rates from the sums, not a mean of rates).
    total: Figures


class Rollup(BaseModel):
    programs: list[ProgramRollup]
    #: Across every program: for an administrator only, else None.
    all_programs: Figures | None = None


def rollup(session: Session, programs: Collection[str] | None) -> Rollup:
    """``programs`` as ``Access.programs``: None is every program."""
    overviews = program_overviews(session, programs)
    figures = cohort_figures(session, [c.name for p in overviews for c in p.cohorts])
    found = [
        ProgramRollup(
            name=p.name,
            managers=p.managers,
            cohorts=[CohortRollup(cohort=c, figures=figures[c.name]) for c in p.cohorts],
            total=total(figures[c.name] for c in p.cohorts),
        )
        for p in overviews
    ]
    everything = total(p.total for p in found) if programs is None else None
    return Rollup(programs=found, all_programs=everything)
