"""Calling a workflow on HR's behalf: its refusals and a missing workflow
become ``HrError``s, so no front handles Temporal's exceptions itself."""

from __future__ import annotations

from typing import Any, TypeVar

from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.hr.errors import HrError, NotFound, Refused
from mentorflow.models import ActionReceipt

T = TypeVar("T")


def _rpc_error(exc: RPCError, missing: str) -> HrError:
    if exc.status == RPCStatusCode.NOT_FOUND:
        return NotFound(missing)
    return HrError(exc.message)


async def update(
    client: Client, workflow_id: str, name: str, payload: Any, *, missing: str
) -> ActionReceipt:
    """Runs the validated update ``name``; ``missing`` says what is not there
    when the workflow is not (``no cohort 'x': launch it first``)."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await handle.execute_update(name, payload, result_type=ActionReceipt)
    except WorkflowUpdateFailedError as exc:
        raise Refused(str(getattr(exc.cause, "message", exc.cause))) from exc
    except RPCError as exc:
        raise _rpc_error(exc, missing) from exc


async def query(
    client: Client, workflow_id: str, name: str, result_type: type[T], *, missing: str
) -> T:
    try:
        return await client.get_workflow_handle(workflow_id).query(name, result_type=result_type)
    except RPCError as exc:
        raise _rpc_error(exc, missing) from exc
