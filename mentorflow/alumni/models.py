"""Boundary models of the alumni invitation: what AlumniInvitationWorkflow takes,
what its ``answer`` update carries, what it reports, and what its activities
exchange. One model per workflow, update and activity argument."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from mentorflow.applications.models import ApplicationDetails
from mentorflow.cohorts.states import InvitationStatus
from mentorflow.models import Participant

#: Statuses after which the invitation takes no answer.
ANSWERED_OR_EXPIRED = frozenset(
    {InvitationStatus.ACCEPTED, InvitationStatus.DECLINED, InvitationStatus.EXPIRED}
)


def alumni_workflow_id(employee_id: str, cohort: str) -> str:
    """``alumni:{employee}:{cohort}``: one invitation per graduate and cohort."""
    return f"alumni:{employee_id}:{cohort}"


class InvitationReason(StrEnum):
    """Why a graduate is invited (one or both)."""

    #: They answered "yes" to "would you mentor others?" in the final survey.
    SAID_YES = "said_yes"
    #: Their meetings' mean value rating reached the program's bar.
    WENT_WELL = "went_well"
    #: They mentored a pair of the cohort to graduation.
    MENTORED = "mentored"


class AlumniInvitationInput(BaseModel):
    employee_id: str
    #: The cohort they graduated from.
    cohort: str
    program_name: str = "Mentoring program"
    program_manager_email: str = "hr@localhost"
    alumnus: Participant
    reasons: list[InvitationReason] = Field(min_length=1)
    #: The mean value rating of their mentorship, when there was one.
    mean_value: float | None = None
    reminder_after: timedelta = timedelta(days=7)
    expires_after: timedelta = timedelta(days=21)
    ask_again_after: timedelta = timedelta(days=180)
    default_capacity: int = Field(default=1, ge=1, le=10)
    #: Prefilled from their mentee application; they may change both.
    expertise: str = ""
    languages: list[str] = []

    @property
    def workflow_id(self) -> str:
        return alumni_workflow_id(self.employee_id, self.cohort)


class InvitationAnswer(BaseModel):
    """The invitee's answer (the ``answer`` update, from the link page)."""

    by: str
    accept: bool
    #: Mentees they take on; the invitation's default when not given.
    capacity: int | None = Field(default=None, ge=1, le=10)
    expertise: str = Field(default="", max_length=2000)
    languages: list[str] = []
    #: Why they decline (optional; only the program team sees it).
    reason: str = Field(default="", max_length=2000)
    #: When the web app took the answer, for one delivered later (the worker
    #: was down): the expiry is judged by this moment, not the delivery's.
    received_at: datetime | None = None


class AlumniInvitationSnapshot(BaseModel):
    """The ``status`` query: where the invitation is, and what the page shows."""

    workflow_id: str
    employee_id: str
    cohort: str
    program_name: str
    status: InvitationStatus
    reasons: list[InvitationReason]
    mean_value: float | None = None
    invited_at: datetime | None = None
    expires_at: datetime | None = None
    answered_at: datetime | None = None
    ask_again_after: datetime | None = None
    default_capacity: int = 1
    expertise: str = ""
    languages: list[str] = []
    #: The cohort their mentor application went to (None: waits for one).
    admitted_cohort: str | None = None


class AlumniInvitationResult(BaseModel):
    workflow_id: str
    status: InvitationStatus
    admitted_cohort: str | None = None
    ask_again_after: datetime | None = None


# --------------------------------------------------------------------------- activities


class InvitationRecord(BaseModel):
    """Writes the invitation row (idempotent: a retry finds it there)."""

    workflow_id: str
    employee_id: str
    program_name: str
    cohort: str
    invited_at: datetime
    expires_at: datetime


class InvitationStatusRecord(BaseModel):
    workflow_id: str
    status: InvitationStatus
    at: datetime
    ask_again_after: datetime | None = None


class EnlistMentor(BaseModel):
    """An alumnus who accepted: hold a pre-approved mentor application for the
    program's next cohort and submit it now if a cohort is open."""

    #: The held application's key: the invitation's workflow id.
    key: str
    employee_id: str
    program_name: str
    details: ApplicationDetails
    note: str


class EnlistResult(BaseModel):
    #: The open cohort it was submitted to; None while it waits for one.
    admitted_cohort: str | None = None
    #: Why the open cohort's application workflow refused it (rare: say, the
    #: person left the directory meanwhile); empty when it went in or waits.
    refused: str = ""
    message: str = ""


class InviteAlumni(BaseModel):
    """Invite a closing cohort's graduates to mentor in the next one."""

    cohort: str
