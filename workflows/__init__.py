"""Temporal workflows: deterministic, no I/O, one lifecycle a file."""

from workflows.mentorship import MentorshipWorkflow

ALL_WORKFLOWS: list[type] = [MentorshipWorkflow]

__all__ = ["ALL_WORKFLOWS", "MentorshipWorkflow"]
