"""``/l/{purpose}/{token}``: the pages people reach from their email.

GET only shows (mail scanners pre-fetch links). POST acts exactly once: the
link id is claimed in ``used_links`` first, then the matching workflow update
runs with the link id as its update id, so a retried submission is also a
no-op inside Temporal. A refused action releases the claim and changes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from temporalio.client import (
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.links import LinkClaims
from mentorflow.models import ActionReceipt, MentorshipSnapshot
from mentorflow.store.used_links import (
    USED,
    ClaimResult,
    claim_link,
    confirm_link,
    link_state,
    release_link,
)
from mentorflow.web import forms
from mentorflow.web.deps import SessionDep, SignerDep, TemplatesDep, TemporalDep
from mentorflow.web.errors import PageError, mentorship_gone, unreachable
from mentorflow.web.pages import (
    TEMPLATES,
    LinkPage,
    build_page,
    checkin_number,
    survey_kind,
    unavailable_reason,
)
from mentorflow.web.templating import message_page, render

router = APIRouter()

#: How long a person waits for the workflow to take their answer before the
#: page asks them to try again (the update id keeps a retry from acting twice).
UPDATE_TIMEOUT_SECONDS = 30.0

#: A query needs a worker to answer it; a page should not hang when none is up.
QUERY_TIMEOUT = timedelta(seconds=10)

ALREADY_USED = PageError(
    409,
    "This link has already been used",
    "Your answer was recorded earlier. Nothing more is needed from this link.",
)
IN_FLIGHT = PageError(
    409,
    "Your answer is being recorded",
    "This link was just submitted and is still being processed. "
    "Please wait a moment; there is no need to submit again.",
)


def _temporal_failure(exc: RPCError) -> PageError:
    return mentorship_gone() if exc.status == RPCStatusCode.NOT_FOUND else unreachable()


async def _page(purpose: str, claims: LinkClaims, temporal: TemporalDep) -> LinkPage:
    return build_page(purpose, claims, await _snapshot(temporal, claims))


async def _snapshot(temporal: TemporalDep, claims: LinkClaims) -> MentorshipSnapshot:
    try:
        client = await temporal.client()
        handle = client.get_workflow_handle(claims.workflow_id)
        return await handle.query(
            "snapshot", result_type=MentorshipSnapshot, rpc_timeout=QUERY_TIMEOUT
        )
    except RPCError as exc:
        raise _temporal_failure(exc) from exc
    except (WorkflowQueryFailedError, RuntimeError, OSError) as exc:
        # RuntimeError: the SDK's "Failed client connect".
        raise unreachable() from exc


async def _execute(
    temporal: TemporalDep, claims: LinkClaims, action: forms.Action
) -> ActionReceipt:
    try:
        client = await temporal.client()
        handle = client.get_workflow_handle(claims.workflow_id)
        async with asyncio.timeout(UPDATE_TIMEOUT_SECONDS):
            return await handle.execute_update(
                action.update, action.payload, id=claims.jti, result_type=ActionReceipt
            )
    except RPCError as exc:
        raise _temporal_failure(exc) from exc
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError, RuntimeError, OSError) as exc:
        # Safe to retry: the update id is the link id, so Temporal runs it once.
        raise unreachable() from exc


def _parse(page: LinkPage, form: dict[str, str]) -> forms.Action:
    by = page.claims.participant_id
    match page.purpose:
        case "introduction":
            return forms.parse_introduction(form, by)
        case "goals":
            return forms.parse_goals(form, by, page.today)
        case "review":
            return forms.parse_review(form, by)
        case "checkin":
            return forms.parse_checkin(form, by, checkin_number(page.claims), page.snapshot)
        case "survey":
            return forms.parse_survey(
                form, by, survey_kind(page.claims), page.role == "mentee", len(page.snapshot.goals)
            )
        case _:
            return forms.parse_end(form, by)


def _form_page(
    request: Request, templates: TemplatesDep, page: LinkPage, status: int
) -> HTMLResponse:
    return render(request, templates, TEMPLATES[page.purpose], status, **page.context())


@router.get("/l/{purpose}/{token}", response_class=HTMLResponse)
async def show_link(
    purpose: str,
    token: str,
    request: Request,
    signer: SignerDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    claims = signer.verify(purpose, token)
    if await run_in_threadpool(link_state, session, claims.jti) == USED:
        raise ALREADY_USED
    page = await _page(purpose, claims, temporal)
    if (unavailable := unavailable_reason(page)) is not None:
        status, message = unavailable
        return message_page(request, templates, "Nothing to do here", message, status, "info")
    return _form_page(request, templates, page, 200)


@router.post("/l/{purpose}/{token}", response_class=HTMLResponse)
async def submit_link(
    purpose: str,
    token: str,
    request: Request,
    signer: SignerDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    claims = signer.verify(purpose, token)
    claim = await run_in_threadpool(claim_link, session, claims)
    if claim is ClaimResult.USED:
        raise ALREADY_USED
    if claim is ClaimResult.IN_FLIGHT:
        raise IN_FLIGHT
    try:
        page = await _page(purpose, claims, temporal)
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        try:
            action = _parse(page, form)
        except forms.FormError as exc:
            await run_in_threadpool(release_link, session, claims.jti)
            page.values, page.errors = form, exc.errors
            return _form_page(request, templates, page, 422)
        receipt = await _execute(temporal, claims, action)
    except WorkflowUpdateFailedError as exc:
        await run_in_threadpool(release_link, session, claims.jti)
        reason = str(getattr(exc.cause, "message", "") or exc.cause or exc)
        return message_page(request, templates, "We could not take this", reason, 409, "warning")
    except BaseException:
        # Nothing took effect: the person may use the link again.
        await asyncio.shield(run_in_threadpool(release_link, session, claims.jti))
        raise
    await run_in_threadpool(confirm_link, session, claims.jti)
    return render(
        request, templates, "thanks.html", 200, receipt=receipt, page=page, **page.context()
    )
