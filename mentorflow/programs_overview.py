"""What the HR console's first page and ``GET /api/v1/cohorts`` show: the
programs in a person's scope, each with its cohorts and their counts.

Read from the store (``mentorflow.store.programs``), so the page answers while
Temporal is busy or down.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from mentorflow.cohorts.states import CohortStatus


class CohortOverview(BaseModel):
    name: str
    program: str
    status: CohortStatus
    opens_at: datetime
    closes_at: datetime
    #: Every application row (a person applying as mentor and mentee counts twice).
    applications: int
    #: Mentorships started from the cohort's approved matching.
    pairs: int


class ProgramOverview(BaseModel):
    name: str
    #: Who may run it, as the latest cohort's program file names them.
    managers: list[str]
    cohorts: list[CohortOverview]
