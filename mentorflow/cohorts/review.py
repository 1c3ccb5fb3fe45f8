"""What HR reads about a cohort besides where its workflow is: how many people
are at each step of their application, the latest matching proposal with the
names of the people in it, and HR's overrides once approved. Read from the
store, the same for the CLI, the console and the API."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from mentorflow.cohorts.models import Overrides
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.directory import people_by_id
from mentorflow.matching import MatchingResult
from mentorflow.store import cohorts
from mentorflow.store.schema import Application

#: How each application state reads to HR, in the order an application moves.
STATE_LABELS: dict[ApplicationStatus, str] = {
    ApplicationStatus.SUBMITTED: "submitted",
    ApplicationStatus.ELIGIBLE: "eligible",
    ApplicationStatus.AWAITING_MANAGER: "awaiting manager",
    ApplicationStatus.APPROVED: "in pool",
    ApplicationStatus.INELIGIBLE: "ineligible",
    ApplicationStatus.REJECTED: "rejected",
    ApplicationStatus.WITHDRAWN: "withdrawn",
    ApplicationStatus.MATCHED: "matched",
    ApplicationStatus.WAITLISTED: "waitlisted",
}


class CohortReview(BaseModel):
    #: People (not rows: someone applying as both counts once) by state.
    applications: dict[ApplicationStatus, int]
    proposal: MatchingResult | None = None
    #: HR's overrides of the proposal, once approved.
    overrides: Overrides | None = None
    #: Directory names of everyone in the proposal, by employee id.
    names: dict[str, str] = {}

    def who(self, employee_id: str) -> str:
        """``Name (id)``, or the id alone for someone no longer in the directory."""
        name = self.names.get(employee_id)
        return f"{name} ({employee_id})" if name else employee_id


def application_counts(session: Session, cohort: str) -> dict[ApplicationStatus, int]:
    rows = session.execute(
        select(Application.status, func.count(distinct(Application.employee_id)))
        .where(Application.cohort == cohort)
        .group_by(Application.status)
    ).all()
    found = {ApplicationStatus(status): count for status, count in rows}
    return {status: found.get(status, 0) for status in STATE_LABELS}


def read_review(session: Session, cohort: str, round_number: int | None = None) -> CohortReview:
    """The cohort's latest proposal (of its evergreen round ``round_number``)."""
    run = cohorts.latest_matching_run(session, cohort, round_number)
    review = CohortReview(applications=application_counts(session, cohort))
    if run is None:
        return review
    proposal = MatchingResult.model_validate(run.result)
    ids = {x for p in proposal.pairs for x in (p.mentor_id, p.mentee_id)}
    ids |= {u.mentee_id for u in proposal.unmatched_mentees}
    ids |= {m.mentor_id for m in proposal.mentors_with_capacity}
    overrides = Overrides.model_validate(run.overrides) if run.approved else None
    if overrides:
        ids |= {x for p in overrides.force for x in (p.mentor_id, p.mentee_id)}
    names = {i: person.name for i, person in people_by_id(session, ids).items()}
    return review.model_copy(update={"proposal": proposal, "overrides": overrides, "names": names})
