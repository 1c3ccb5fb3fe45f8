"""``/l/alumni/{token}``: a graduate answers the invitation to mentor in the
program's next cohort: accept (how many mentees, what they can help with, in
which languages) or decline (with an optional reason).

Same rules as every link page: GET only shows, POST acts once through
``single_use`` with the link id as the update id, and the workflow's
``answer`` validator has the last word (the wrong person, an invitation
answered or expired). An answer the workflow cannot take now is kept and
delivered later (``kept_answers``). Included before the generic ``/l/{purpose}/{token}``
router, whose pages are built around a mentorship.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from mentorflow.alumni.models import (
    ANSWERED_OR_EXPIRED,
    AlumniInvitationSnapshot,
    InvitationAnswer,
    InvitationReason,
)
from mentorflow.cohorts.states import InvitationStatus
from mentorflow.links import LinkClaims
from mentorflow.models import Participant
from mentorflow.store.used_links import USED, link_state
from mentorflow.web.deps import SessionDep, SignerDep, TemplatesDep, TemporalConnector, TemporalDep
from mentorflow.web.errors import PageError, link_not_valid
from mentorflow.web.participant.application_forms import CAPACITY_RANGE, REASON_MAX, split_list
from mentorflow.web.participant.application_pages import participant
from mentorflow.web.participant.forms import FormError, _build, _Reader
from mentorflow.web.participant.kept_answers import is_kept, received_page, update_or_keep
from mentorflow.web.participant.single_use import ALREADY_USED, single_use
from mentorflow.web.participant.workflow_calls import query
from mentorflow.web.templating import message_page, render

router = APIRouter()

PATH = "/l/alumni/{token}"
EXPERTISE_MAX = 2000
LANGUAGES_MAX = 500
REASON_TEXT = {
    InvitationReason.SAID_YES: "In your final survey you said you would like to mentor others.",
    InvitationReason.WENT_WELL: "Your own mentorship went well.",
    InvitationReason.MENTORED: "You mentored a pair of this cohort all the way to graduation.",
}


def invitation_gone() -> PageError:
    return PageError(
        410,
        "This invitation is no longer open",
        "There is nothing left to do with this link.",
    )


def parse_answer(form: Mapping[str, str], by: str) -> InvitationAnswer:
    """The form → the ``answer`` update; the accept fields count only when
    accepting, the reason only when declining."""
    r = _Reader(form)
    decision = r.choice("decision", ("accept", "decline"), required="Please accept or decline.")
    fields: dict[str, object] = {}
    if decision == "accept":
        low, high = CAPACITY_RANGE
        fields["capacity"] = r.integer(
            "capacity", low, high, required="How many mentees can you take on?"
        )
        fields["expertise"] = r.text(
            "expertise", EXPERTISE_MAX, required="Please tell us what you can help with."
        )
        fields["languages"] = split_list(r.text("languages", LANGUAGES_MAX))
    elif decision == "decline":
        fields["reason"] = r.text("reason", REASON_MAX)
    payload = _build(r, InvitationAnswer, by=by, accept=decision == "accept", **fields)
    assert isinstance(payload, InvitationAnswer)
    return payload


def unavailable_reason(
    claims: LinkClaims, snap: AlumniInvitationSnapshot
) -> tuple[int, str] | None:
    """HTTP status and why this link has nothing to do (GET only: on submit
    the workflow's validator decides)."""
    if claims.participant_id != snap.employee_id:
        return 403, "This invitation is for someone else."
    if snap.status is InvitationStatus.EXPIRED:
        return 409, "This invitation has expired. You are welcome to apply to any cohort."
    if snap.status in ANSWERED_OR_EXPIRED or snap.answered_at is not None:
        verdict = snap.status.value if snap.status in ANSWERED_OR_EXPIRED else "answered"
        return 409, f"You have already {verdict} this invitation. Thank you!"
    return None


async def _status(temporal: TemporalConnector, claims: LinkClaims) -> AlumniInvitationSnapshot:
    return await query(
        temporal, claims.workflow_id, "status", AlumniInvitationSnapshot, link_not_valid
    )


def _form_page(
    request: Request,
    templates: TemplatesDep,
    snap: AlumniInvitationSnapshot,
    me: Participant,
    status: int,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> HTMLResponse:
    return render(
        request,
        templates,
        "alumni.html",
        status,
        me=me,
        snapshot=snap,
        reasons=[REASON_TEXT[reason] for reason in snap.reasons],
        values=values,
        errors=errors or {},
    )


@router.get(PATH, response_class=HTMLResponse)
async def show_invitation(
    token: str,
    request: Request,
    signer: SignerDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    claims = signer.verify("alumni", token)
    if await run_in_threadpool(link_state, session, claims.jti) == USED:
        raise ALREADY_USED
    if await is_kept(session, claims):
        return received_page(request, templates)
    snap = await _status(temporal, claims)
    if (unavailable := unavailable_reason(claims, snap)) is not None:
        status, reason = unavailable
        return message_page(request, templates, "Nothing to do here", reason, status, "info")
    me = await run_in_threadpool(participant, session, claims.participant_id)
    prefill = {
        "capacity": str(snap.default_capacity),
        "expertise": snap.expertise,
        "languages": ", ".join(snap.languages),
    }
    return _form_page(request, templates, snap, me, 200, prefill)


@router.post(PATH, response_class=HTMLResponse)
async def answer_invitation(
    token: str,
    request: Request,
    signer: SignerDep,
    session: SessionDep,
    temporal: TemporalDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    claims = signer.verify("alumni", token)
    received_at = datetime.now(UTC)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if await is_kept(session, claims):
        return received_page(request, templates)
    me = await run_in_threadpool(participant, session, claims.participant_id)
    async with single_use(session, claims) as use:
        try:
            answer = parse_answer(form, claims.participant_id)
        except FormError as exc:
            snap = await _status(temporal, claims)
            return _form_page(request, templates, snap, me, 422, form, exc.errors)
        receipt = await update_or_keep(
            request,
            templates,
            session,
            temporal,
            claims,
            use,
            form,
            received_at,
            "answer",
            answer,
            invitation_gone,
        )
        if isinstance(receipt, HTMLResponse):
            return receipt
        use.took_effect()
    return render(request, templates, "thanks.html", 200, receipt=receipt, me=me, partner=None)
