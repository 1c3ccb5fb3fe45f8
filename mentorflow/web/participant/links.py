"""``/l/{purpose}/{token}``: the pages people reach from their email.

GET only shows (mail scanners pre-fetch links). POST acts exactly once (see
``single_use``): the link id is claimed first, then the matching workflow
update runs with the link id as its update id. A refused action releases the
claim and changes nothing.

An answer is never lost because the workflow cannot take it now (no worker
polling, the server slow or down): the form as sent is kept in the store,
the person is told it was received, the link stays claimed, and the answer
deliverer (``answer_delivery``) sends the same update later.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from temporalio.client import WorkflowUpdateFailedError

from mentorflow.links import LinkClaims
from mentorflow.models import MentorshipSnapshot
from mentorflow.store.used_links import USED, link_state
from mentorflow.web.deps import SessionDep, SignerDep, TemplatesDep, TemporalDep
from mentorflow.web.errors import PageError, link_not_valid, mentorship_gone
from mentorflow.web.participant import forms
from mentorflow.web.participant.kept_answers import is_kept, keep_for_delivery, received_page
from mentorflow.web.participant.pages import (
    TEMPLATES,
    LinkPage,
    build_page,
    checkin_number,
    survey_kind,
    unavailable_reason,
)
from mentorflow.web.participant.single_use import ALREADY_USED, refusal, single_use
from mentorflow.web.participant.workflow_calls import execute_update, query
from mentorflow.web.templating import message_page, render

router = APIRouter()


async def link_page(purpose: str, claims: LinkClaims, temporal: TemporalDep) -> LinkPage:
    snapshot = await query(
        temporal, claims.workflow_id, "snapshot", MentorshipSnapshot, link_not_valid
    )
    return build_page(purpose, claims, snapshot)


def parse_action(page: LinkPage, form: dict[str, str]) -> forms.Action:
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
            kind = survey_kind(page.claims)
            return forms.parse_survey(
                form,
                by,
                kind,
                page.role == "mentee",
                len(page.snapshot.goals),
                page.snapshot.survey_questions.of(kind),
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
    if await is_kept(session, claims):
        return received_page(request, templates)
    page = await link_page(purpose, claims, temporal)
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
    received_at = datetime.now(UTC)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if await is_kept(session, claims):
        return received_page(request, templates)
    async with single_use(session, claims) as use:
        try:
            page = await link_page(purpose, claims, temporal)
            try:
                action = parse_action(page, form)
            except forms.FormError as exc:
                page.values, page.errors = form, exc.errors
                return _form_page(request, templates, page, 422)
            receipt = await execute_update(
                temporal,
                claims.workflow_id,
                action.update,
                action.payload,
                claims.jti,
                mentorship_gone,
            )
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
        use.took_effect()
    return render(
        request, templates, "thanks.html", 200, receipt=receipt, page=page, **page.context()
    )
