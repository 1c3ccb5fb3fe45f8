"""Keeping an answer a link page could not deliver now, shared by every link
page (mentorship, application, alumni): the form as sent goes to the store
(``pending_answers``) in the same request, the link stays claimed, and the
person is told it was received; the answer deliverer (``answer_delivery``)
sends it later as the same update, stamped with when it was received."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError

from mentorflow.links import LinkClaims
from mentorflow.models import ActionReceipt
from mentorflow.store import pending_answers
from mentorflow.web.deps import TemporalConnector
from mentorflow.web.errors import PageError
from mentorflow.web.participant.single_use import LinkUse, refusal
from mentorflow.web.participant.workflow_calls import execute_update
from mentorflow.web.templating import message_page


def received_page(request: Request, templates: Jinja2Templates) -> HTMLResponse:
    return message_page(
        request,
        templates,
        "We have your answer",
        "Thank you. The mentoring service is busy right now, so your answer will be "
        "recorded shortly; there is no need to send it again.",
        202,
        "success",
    )


async def is_kept(session: Session, claims: LinkClaims) -> bool:
    """This link's answer is kept and not delivered yet."""
    return await run_in_threadpool(pending_answers.is_pending, session, claims.jti)


async def keep_for_delivery(
    session: Session,
    claims: LinkClaims,
    form: dict[str, str],
    received_at: datetime,
    use: LinkUse,
) -> None:
    """Keeps the form for later delivery; the link stays claimed until then."""
    await run_in_threadpool(pending_answers.keep, session, claims, form, received_at)
    use.keep_claimed()


async def update_or_keep(
    request: Request,
    templates: Jinja2Templates,
    session: Session,
    temporal: TemporalConnector,
    claims: LinkClaims,
    use: LinkUse,
    form: dict[str, str],
    received_at: datetime,
    update: str,
    payload: BaseModel,
    gone: Callable[[], PageError],
) -> ActionReceipt | HTMLResponse:
    """A link page's update: the workflow's receipt, or the page to show
    instead: the refusal (409), or "we have your answer" when it could not be
    delivered now and was kept (a 4xx ``PageError`` reaches the caller)."""
    try:
        return await execute_update(temporal, claims.workflow_id, update, payload, claims.jti, gone)
    except WorkflowUpdateFailedError as exc:
        return message_page(
            request, templates, "We could not take this", refusal(exc), 409, "warning"
        )
    except PageError as exc:
        if exc.status_code < 500:
            raise
        # Cannot be delivered now: kept, and delivered later as this update.
        await keep_for_delivery(session, claims, form, received_at, use)
        return received_page(request, templates)
