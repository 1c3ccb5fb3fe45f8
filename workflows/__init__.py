"""Temporal workflows: deterministic, no I/O, one lifecycle a file."""

from workflows.alumni import AlumniInvitationWorkflow
from workflows.application import ApplicationWorkflow
from workflows.cohort import CohortWorkflow
from workflows.hr_digest import HrDigestWorkflow
from workflows.hris_sync import HrisSyncWorkflow
from workflows.mentorship import MentorshipWorkflow
from workflows.resend_email import ResendEmailWorkflow

ALL_WORKFLOWS: list[type] = [
    MentorshipWorkflow,
    ApplicationWorkflow,
    CohortWorkflow,
    HrisSyncWorkflow,
    AlumniInvitationWorkflow,
    HrDigestWorkflow,
    ResendEmailWorkflow,
]

__all__ = [
    "ALL_WORKFLOWS",
    "AlumniInvitationWorkflow",
    "ApplicationWorkflow",
    "CohortWorkflow",
    "HrDigestWorkflow",
    "HrisSyncWorkflow",
    "MentorshipWorkflow",
    "ResendEmailWorkflow",
]
