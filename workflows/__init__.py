"""Temporal workflows: deterministic, no I/O, one lifecycle a file.

The names below are imported on first use, not here: the sandbox imports
this package afresh for every workflow run it starts, and importing every
workflow module each time cost a 300-pair cohort launch an eighth of its CPU
(measured with py-spy, ``benchmarks/cohort_launch.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflows.alumni import AlumniInvitationWorkflow
    from workflows.application import ApplicationWorkflow
    from workflows.cohort import CohortWorkflow
    from workflows.hr_digest import HrDigestWorkflow
    from workflows.hris_sync import HrisSyncWorkflow
    from workflows.matching_round import MatchingRoundWorkflow
    from workflows.mentorship import MentorshipWorkflow
    from workflows.resend_email import ResendEmailWorkflow
    from workflows.round_due import RoundDueWorkflow

    ALL_WORKFLOWS: list[type]

#: Each workflow class and the module it lives in.
_MODULES = {
    "MentorshipWorkflow": "workflows.mentorship",
    "ApplicationWorkflow": "workflows.application",
    "CohortWorkflow": "workflows.cohort",
    "HrisSyncWorkflow": "workflows.hris_sync",
    "AlumniInvitationWorkflow": "workflows.alumni",
    "HrDigestWorkflow": "workflows.hr_digest",
    "ResendEmailWorkflow": "workflows.resend_email",
    "MatchingRoundWorkflow": "workflows.matching_round",
    "RoundDueWorkflow": "workflows.round_due",
}


def __getattr__(name: str) -> Any:
    if name == "ALL_WORKFLOWS":
        return [__getattr__(workflow) for workflow in _MODULES]
    if name in _MODULES:
        return getattr(importlib.import_module(_MODULES[name]), name)
    raise AttributeError(f"module 'workflows' has no attribute {name!r}")


__all__ = [
    "ALL_WORKFLOWS",
    "AlumniInvitationWorkflow",
    "ApplicationWorkflow",
    "CohortWorkflow",
    "HrDigestWorkflow",
    "HrisSyncWorkflow",
    "MatchingRoundWorkflow",
    "MentorshipWorkflow",
    "ResendEmailWorkflow",
    "RoundDueWorkflow",
]
