"""A page's calls into a workflow (a query, an update), with Temporal's
failures turned into friendly pages: a workflow that is not there, or a
service that cannot be reached right now (nothing changed; try again)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel
from temporalio.client import WorkflowQueryFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.models import ActionReceipt
from mentorflow.web.deps import TemporalConnector
from mentorflow.web.errors import PageError, unreachable

#: How long a person waits for the workflow to take their answer before the
#: page asks them to try again (the update id keeps a retry from acting twice).
UPDATE_TIMEOUT_SECONDS = 30.0

#: A query needs a worker to answer it; a page should not hang when none is up.
QUERY_TIMEOUT = timedelta(seconds=10)

Snapshot = TypeVar("Snapshot", bound=BaseModel)


def temporal_failure(exc: RPCError, gone: Callable[[], PageError]) -> PageError:
    return gone() if exc.status == RPCStatusCode.NOT_FOUND else unreachable()


async def query(
    temporal: TemporalConnector,
    workflow_id: str,
    name: str,
    result_type: type[Snapshot],
    gone: Callable[[], PageError],
) -> Snapshot:
    try:
        client = await temporal.client()
        handle = client.get_workflow_handle(workflow_id)
        return await handle.query(name, result_type=result_type, rpc_timeout=QUERY_TIMEOUT)
    except RPCError as exc:
        raise temporal_failure(exc, gone) from exc
    except (WorkflowQueryFailedError, RuntimeError, OSError) as exc:
        # RuntimeError: the SDK's "Failed client connect".
        raise unreachable() from exc


async def execute_update(
    temporal: TemporalConnector,
    workflow_id: str,
    update: str,
    payload: BaseModel,
    update_id: str,
    gone: Callable[[], PageError],
) -> ActionReceipt:
    """Runs the update once per ``update_id``; ``WorkflowUpdateFailedError``
    (the validator refused) reaches the caller, who shows the reason."""
    try:
        client = await temporal.client()
        handle = client.get_workflow_handle(workflow_id)
        async with asyncio.timeout(UPDATE_TIMEOUT_SECONDS):
            return await handle.execute_update(
                update, payload, id=update_id, result_type=ActionReceipt
            )
    except RPCError as exc:
        raise temporal_failure(exc, gone) from exc
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError, RuntimeError, OSError) as exc:
        # Safe to retry: the update id makes Temporal run it once.
        raise unreachable() from exc
