"""Submitting one application: start (or reach) the person's
ApplicationWorkflow and deliver ``submit`` in one call (update-with-start).

Shared by the CSV import and the web form, so both apply the cohort's stored
program (its name, program manager and manager-approval policy) the same way.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum

from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from mentorflow import search_attributes
from mentorflow.applications.models import (
    ApplicationDetails,
    ApplicationInput,
    ApplicationSnapshot,
)
from mentorflow.models import ActionReceipt
from mentorflow.program import ProgramConfig

#: Names, not the class: the domain package does not import ``workflows/``.
WORKFLOW_TYPE = "ApplicationWorkflow"
SUBMIT = "submit"
#: The words of ApplicationWorkflow's ``submit`` validator for a second submission.
ALREADY_APPLIED = "already applied"


class SubmitOutcome(StrEnum):
    SUBMITTED = "submitted"
    #: The person already applied to this cohort (a re-import, a second form).
    DUPLICATE = "duplicate"
    #: The workflow refused the submission for another reason.
    REFUSED = "refused"


@dataclass(frozen=True)
class SubmitResult:
    outcome: SubmitOutcome
    message: str


def application_input(cohort: str, program: ProgramConfig, employee_id: str) -> ApplicationInput:
    return ApplicationInput(
        cohort=cohort,
        employee_id=employee_id,
        program_name=program.program_name,
        program_manager_email=program.program_manager_email,
        manager_approval=program.manager_approval,
    )


async def submit_application(
    client: Client,
    task_queue: str,
    application: ApplicationInput,
    details: ApplicationDetails,
) -> SubmitResult:
    """Submits ``details``; a person who already applied is a ``DUPLICATE``.

    A finished application (withdrawn, refused, matched) is not started again:
    re-running last week's CSV must not bring back someone who withdrew since.
    Temporal errors other than a refusal (cannot connect, timeouts) propagate.
    """
    start = WithStartWorkflowOperation(
        WORKFLOW_TYPE,
        application,
        id=application.workflow_id,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        task_queue=task_queue,
        search_attributes=search_attributes.for_application(
            application.cohort, application.program_name, application.employee_id
        ),
        result_type=ApplicationSnapshot,
    )
    try:
        receipt = await client.execute_update_with_start_workflow(
            SUBMIT, details, start_workflow_operation=start, result_type=ActionReceipt
        )
    except (WorkflowAlreadyStartedError, RPCError) as exc:
        # The start operation keeps the same error for its handle: take it, so
        # it is not reported as never retrieved.
        with contextlib.suppress(WorkflowAlreadyStartedError, RPCError):
            await start.workflow_handle()
        # Servers without the error details say ALREADY_EXISTS as a plain RPC error.
        if isinstance(exc, RPCError) and exc.status != RPCStatusCode.ALREADY_EXISTS:
            raise
        return SubmitResult(
            SubmitOutcome.DUPLICATE, "already applied: that application has finished"
        )
    except WorkflowUpdateFailedError as exc:
        reason = str(getattr(exc.cause, "message", "") or exc.cause or exc)
        if ALREADY_APPLIED in reason:
            return SubmitResult(SubmitOutcome.DUPLICATE, reason)
        return SubmitResult(SubmitOutcome.REFUSED, reason)
    return SubmitResult(SubmitOutcome.SUBMITTED, receipt.message)
