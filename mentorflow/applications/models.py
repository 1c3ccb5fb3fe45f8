"""Boundary models of the application lifecycle: what ApplicationWorkflow takes,
what its updates and signals carry, and what its activities exchange."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.models import Participant, Role
from mentorflow.program import ManagerApproval

#: Statuses after which nothing more happens to an application.
FINAL_STATUSES = frozenset(
    {
        ApplicationStatus.INELIGIBLE,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.MATCHED,
        ApplicationStatus.WAITLISTED,
    }
)


class ApplicationInput(BaseModel):
    cohort: str
    employee_id: str
    program_name: str = "Mentoring program"
    program_manager_email: str = "hr@localhost"
    manager_approval: ManagerApproval = ManagerApproval()
    #: Alumni invited to mentor, and mentees carried over because their mentor
    #: left, skip the eligibility rules and manager approval: they were
    #: approved before. Whoever admits them checks they are still employed.
    pre_approved: bool = False
    #: What the applicant is told about the pre-approval.
    pre_approved_reason: str = ""

    @property
    def workflow_id(self) -> str:
        return application_workflow_id(self.cohort, self.employee_id)


def application_workflow_id(cohort: str, employee_id: str) -> str:
    return f"application:{cohort}:{employee_id}"


class ApplicationDetails(BaseModel):
    """What the applicant tells us (the ``submit`` update, from CSV or the web)."""

    roles: list[Role] = Field(min_length=1, max_length=2)
    capacity: int = Field(default=1, ge=1, le=10)
    expertise: str = Field(default="", max_length=2000)
    goals: str = Field(default="", max_length=2000)
    interests: str = Field(default="", max_length=2000)
    preferred_cadence: str = ""
    languages: list[str] = []
    #: Ranked mentor preferences (employee ids), best first.
    mentor_preferences: list[str] = []
    notes: str = Field(default="", max_length=2000)
    source: Literal["csv", "web", "alumni", "waitlist"] = "csv"

    @field_validator("roles")
    @classmethod
    def _distinct_roles(cls, roles: list[Role]) -> list[Role]:
        if len(set(roles)) != len(roles):
            raise ValueError("a role is listed twice")
        return roles


class ManagerDecision(BaseModel):
    by: str  # the manager's employee id
    approve: bool
    reason: str = ""
    #: When the web app took the answer, for one delivered later (the worker
    #: was down): the due date is judged by this moment, not the delivery's.
    received_at: datetime | None = None


class WithdrawRequest(BaseModel):
    by: str  # the applicant, or "hr"
    reason: str = ""


class MatchNotice(BaseModel):
    """Sent by the cohort once HR approved the matching."""

    matched: bool
    mentorship_ids: list[str] = []
    reason: str = ""


class PoolClosed(BaseModel):
    """Sent by the cohort when its matching starts, to every application not
    yet in the pool (still checked for eligibility or awaiting a manager):
    from now on an approval puts the person forward for the next cohort."""

    cohort: str


class HoldForNextCohort(BaseModel):
    """Holds an application approved after its cohort's matching ran, so that
    it goes in, already approved, when the program's next cohort opens."""

    cohort: str
    employee_id: str
    program_name: str
    details: ApplicationDetails
    note: str
    at: datetime


class EligibilityRequest(BaseModel):
    cohort: str
    employee_id: str
    roles: list[Role]


class EligibilityResult(BaseModel):
    eligible: bool
    reason: str = ""
    applicant: Participant | None = None
    manager: Participant | None = None


class ApplicationRecord(BaseModel):
    """Writes the application (its details and status) to the store."""

    cohort: str
    employee_id: str
    status: ApplicationStatus
    reason: str = ""
    details: ApplicationDetails | None = None
    at: datetime


class ApplicationRecorded(BaseModel):
    """What recording a status found. ``pool_open`` is False when the
    application was to enter the pool but its cohort's matching had already
    started: the status was not written, the application must go elsewhere."""

    pool_open: bool = True


class ApplicationSnapshot(BaseModel):
    cohort: str
    employee_id: str
    status: ApplicationStatus
    reason: str = ""
    roles: list[Role] = []
    manager_id: str | None = None
    decision_due: datetime | None = None
    mentorship_ids: list[str] = []
