"""Delivering the answers the link pages kept while a workflow could not take
them (see ``mentorflow.store.pending_answers``).

Runs in every web process (started with the app, every
``answer_delivery_interval``): oldest answer first, whatever link page kept
it (mentorship, application, alumni), each as the update its page would
have sent (``link_updates``), with the link id as update id (delivering the same
answer from two processes, or twice, acts once) and the moment it was
received (so an answer sent while the window was open counts even if the
window closed before the worker came back). The first answer that still
cannot be delivered ends the round: the rest wait for the next, in order.
A delivered answer spends its link; one the workflow refuses is recorded
with the reason and frees the link.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from enum import StrEnum

from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError

from mentorflow.links import LinkError
from mentorflow.store import pending_answers
from mentorflow.store.pending_answers import KeptAnswer
from mentorflow.store.used_links import confirm_link, release_link
from mentorflow.web.deps import TemporalConnector
from mentorflow.web.errors import PageError
from mentorflow.web.participant.forms import FormError
from mentorflow.web.participant.link_updates import link_update
from mentorflow.web.participant.single_use import refusal
from mentorflow.web.participant.workflow_calls import execute_update

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    DELIVERED = "delivered"
    REFUSED = "refused"
    NOT_NOW = "not_now"


def _stamped(payload: BaseModel, kept: KeptAnswer) -> BaseModel:
    """The payload with the moment the web app received it, where it has one."""
    if "received_at" not in type(payload).model_fields:
        return payload
    return payload.model_copy(update={"received_at": kept.received_at})


async def deliver(
    sessions: sessionmaker[Session], temporal: TemporalConnector, kept: KeptAnswer
) -> Delivery:
    claims = kept.claims
    try:
        update = await link_update(claims, kept.form, temporal)
        await execute_update(
            temporal,
            claims.workflow_id,
            update.name,
            _stamped(update.payload, kept),
            claims.jti,
            update.gone,
        )
    except PageError as exc:
        if exc.status_code >= 500:
            await run_in_threadpool(pending_answers.mark_attempt, sessions, kept.id, exc.message)
            return Delivery.NOT_NOW
        reason = f"{exc.title}: {exc.message}"
    except FormError as exc:
        reason = "; ".join(exc.errors.values())
    except LinkError as exc:
        reason = exc.reason
    except WorkflowUpdateFailedError as exc:
        reason = refusal(exc)
    else:
        await run_in_threadpool(pending_answers.mark_delivered, sessions, kept.id)
        with sessions() as session:
            await run_in_threadpool(confirm_link, session, claims.jti)
        return Delivery.DELIVERED
    log.warning("kept answer %s for %s refused: %s", kept.id, claims.workflow_id, reason)
    await run_in_threadpool(pending_answers.mark_refused, sessions, kept.id, reason)
    with sessions() as session:
        await run_in_threadpool(release_link, session, claims.jti)
    return Delivery.REFUSED


async def deliver_due(sessions: sessionmaker[Session], temporal: TemporalConnector) -> int:
    """One round: delivers kept answers in order until one cannot be; how many
    were delivered."""
    delivered = 0
    for kept in await run_in_threadpool(pending_answers.due, sessions):
        outcome = await deliver(sessions, temporal, kept)
        if outcome is Delivery.NOT_NOW:
            break
        delivered += outcome is Delivery.DELIVERED
    return delivered


async def keep_delivering(
    sessions: sessionmaker[Session], temporal: TemporalConnector, every: timedelta
) -> None:
    """Rounds until cancelled; a failing round (say, the database is away) is
    logged and the next one tries again."""
    while True:
        try:
            await deliver_due(sessions, temporal)
        except Exception:
            log.exception("delivering kept answers failed; trying again later")
        await asyncio.sleep(every.total_seconds())
