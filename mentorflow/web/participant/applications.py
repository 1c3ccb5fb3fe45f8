"""``/l/approval/{token}`` (the manager decides) and ``/l/withdraw/{token}``
(the applicant withdraws): the application's links in email.

Same rules as every link page: GET only shows, POST acts once through
``single_use`` with the link id as the update id, and the workflow's update
validators have the last word (a closed window, the wrong person). An answer
the workflow cannot take now is kept and delivered later (``kept_answers``). Included
before the generic ``/l/{purpose}/{token}`` router, whose pages are built
around a mentorship.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel
from sqlalchemy.orm import Session

from mentorflow.applications.models import ApplicationSnapshot
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.links import LinkClaims, LinkSigner
from mentorflow.models import Participant
from mentorflow.store.used_links import USED, link_state
from mentorflow.web.deps import (
    SessionDep,
    SignerDep,
    TemplatesDep,
    TemporalConnector,
    TemporalDep,
)
from mentorflow.web.errors import link_not_valid
from mentorflow.web.participant import application_forms
from mentorflow.web.participant.application_pages import (
    ApplicationView,
    application_gone,
    application_status,
    application_view,
    is_open,
    participant,
)
from mentorflow.web.participant.forms import FormError
from mentorflow.web.participant.kept_answers import is_kept, received_page, update_or_keep
from mentorflow.web.participant.single_use import ALREADY_USED, single_use
from mentorflow.web.templating import message_page, render

router = APIRouter()

#: purpose → (page template, workflow update)
PAGES = {
    "approval": ("approval.html", "manager_decision"),
    "withdraw": ("withdraw.html", "withdraw"),
}


def unavailable_reason(
    purpose: str, claims: LinkClaims, snap: ApplicationSnapshot
) -> tuple[int, str] | None:
    """HTTP status and why this link has nothing to do, when the status says
    so plainly (GET only: on submit the workflow's validators decide)."""
    if purpose == "approval":
        if claims.participant_id != snap.manager_id:
            return 403, "This link is for the applicant's manager only."
        if snap.status is not ApplicationStatus.AWAITING_MANAGER:
            state = snap.status.value.replace("_", " ")
            return 409, f"This application is no longer waiting for a decision (it is {state})."
    else:
        if claims.participant_id != snap.employee_id:
            return 403, "This link is for the applicant only."
        if not is_open(snap):
            return 409, f"This application is already {snap.status.value}: nothing to withdraw."
    return None


async def _view(
    session: Session, temporal: TemporalDep, claims: LinkClaims
) -> tuple[ApplicationSnapshot, ApplicationView]:
    snapshot = await application_status(temporal, claims.workflow_id, link_not_valid)
    return snapshot, await run_in_threadpool(application_view, session, snapshot)


def _form_page(
    request: Request,
    templates: TemplatesDep,
    purpose: str,
    view: ApplicationView,
    me: Participant,
    status: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        templates,
        PAGES[purpose][0],
        status,
        me=me,
        values=values or {},
        errors=errors or {},
        **view.context(),
    )


def parse_update(purpose: str, form: dict[str, str], by: str) -> BaseModel:
    """The form → the payload of the purpose's update (``PAGES``)."""
    if purpose == "approval":
        return application_forms.parse_decision(form, by)
    return application_forms.parse_withdraw(form, by)


async def _show(
    purpose: str,
    token: str,
    request: Request,
    signer: LinkSigner,
    session: Session,
    temporal: TemporalConnector,
    templates: Jinja2Templates,
) -> HTMLResponse:
    claims = signer.verify(purpose, token)
    if await run_in_threadpool(link_state, session, claims.jti) == USED:
        raise ALREADY_USED
    if await is_kept(session, claims):
        return received_page(request, templates)
    snapshot, view = await _view(session, temporal, claims)
    if (unavailable := unavailable_reason(purpose, claims, snapshot)) is not None:
        status, reason = unavailable
        return message_page(request, templates, "Nothing to do here", reason, status, "info")
    me = await run_in_threadpool(participant, session, claims.participant_id)
    return _form_page(request, templates, purpose, view, me, 200)


async def _submit(
    purpose: str,
    token: str,
    request: Request,
    signer: LinkSigner,
    session: Session,
    temporal: TemporalConnector,
    templates: Jinja2Templates,
) -> HTMLResponse:
    claims = signer.verify(purpose, token)
    received_at = datetime.now(UTC)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if await is_kept(session, claims):
        return received_page(request, templates)
    me = await run_in_threadpool(participant, session, claims.participant_id)
    async with single_use(session, claims) as use:
        try:
            payload = parse_update(purpose, form, claims.participant_id)
        except FormError as exc:
            _, view = await _view(session, temporal, claims)
            return _form_page(request, templates, purpose, view, me, 422, form, exc.errors)
        receipt = await update_or_keep(
            request,
            templates,
            session,
            temporal,
            claims,
            use,
            form,
            received_at,
            PAGES[purpose][1],
            payload,
            application_gone,
        )
        if isinstance(receipt, HTMLResponse):
            return receipt
        use.took_effect()
    return render(request, templates, "thanks.html", 200, receipt=receipt, me=me, partner=None)


def _purpose(request: Request) -> str:
    """``approval`` or ``withdraw``: the path's second segment (the routes below
    are registered for exactly those two)."""
    return request.url.path.split("/")[2]


@router.get("/l/approval/{token}", response_class=HTMLResponse)
@router.get("/l/withdraw/{token}", response_class=HTMLResponse)
async def show_link(
    token: str,
    request: Request,
    signer: SignerDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    return await _show(_purpose(request), token, request, signer, session, temporal, templates)


@router.post("/l/approval/{token}", response_class=HTMLResponse)
@router.post("/l/withdraw/{token}", response_class=HTMLResponse)
async def submit_link(
    token: str,
    request: Request,
    signer: SignerDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    return await _submit(_purpose(request), token, request, signer, session, temporal, templates)
