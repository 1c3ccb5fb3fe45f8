"""Temporal workflows: deterministic, no I/O, one lifecycle a file."""

from workflows.application import ApplicationWorkflow
from workflows.cohort import CohortWorkflow
from workflows.mentorship import MentorshipWorkflow

ALL_WORKFLOWS: list[type] = [MentorshipWorkflow, ApplicationWorkflow, CohortWorkflow]

__all__ = ["ALL_WORKFLOWS", "ApplicationWorkflow", "CohortWorkflow", "MentorshipWorkflow"]
