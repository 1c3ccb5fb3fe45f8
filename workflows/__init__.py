"""Temporal workflows: deterministic, no I/O, one lifecycle a file."""

from workflows.application import ApplicationWorkflow
from workflows.mentorship import MentorshipWorkflow

ALL_WORKFLOWS: list[type] = [MentorshipWorkflow, ApplicationWorkflow]

__all__ = ["ALL_WORKFLOWS", "ApplicationWorkflow", "MentorshipWorkflow"]
