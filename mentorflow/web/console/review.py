"""``/hr/cohorts/{name}/review``: the matching proposal pair by pair with the
engine's explanation, the unmatched mentees with the reason, and HR's
decision: drop pairs, force one (with a reason when it breaks a hard rule),
preview the verdict, approve, or re-run matching."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from mentorflow.cohorts.models import Overrides, PairRef, ReviewDecision, RuleOverride
from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr.cohorts import CohortStatus
from mentorflow.hr.errors import InvalidInput
from mentorflow.hr.review_preview import ReviewPreview, preview_review
from mentorflow.hr.rounds import RoundReview
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, done, temporal
from mentorflow.web.console.cohorts import cohort_path
from mentorflow.web.console.scope import require_cohort, store
from mentorflow.web.deps import SessionDep, TemplatesDep

router = APIRouter(prefix="/hr/cohorts", dependencies=[Depends(csrf_protected)])


def _people(status: CohortStatus | RoundReview) -> tuple[list[str], list[str]]:
    """The run's mentors and mentees (each one is paired, unmatched or has room)."""
    proposal = status.review.proposal
    if proposal is None:
        return [], []
    mentors = {p.mentor_id for p in proposal.pairs} | {
        m.mentor_id for m in proposal.mentors_with_capacity
    }
    mentees = {p.mentee_id for p in proposal.pairs} | {
        u.mentee_id for u in proposal.unmatched_mentees
    }
    return sorted(mentors, key=status.review.who), sorted(mentees, key=status.review.who)


def review_page(
    request: Request,
    templates: TemplatesDep,
    name: str,
    status: CohortStatus | RoundReview,
    overrides: Overrides | None = None,
    preview: ReviewPreview | None = None,
    round_number: int | None = None,
) -> HTMLResponse:
    """The review page of a cohort's proposal, or of an evergreen round's
    (``round_number``): the same page, posting to its own address."""
    mentors, mentees = _people(status)
    chosen = overrides or Overrides()
    forced = chosen.force[0] if chosen.force else None
    rule = chosen.rule_overrides[0] if chosen.rule_overrides else None
    return console_page(
        request,
        templates,
        "hr/review.html",
        cohort_name=name,
        round_number=round_number,
        heading=f"Round {round_number} of {name}" if round_number else f"Matching review of {name}",
        review_path=cohort_path(name, f"rounds/{round_number}" if round_number else "review"),
        snapshot=status.snapshot,
        review=status.review,
        proposal=status.review.proposal,
        mentors=mentors,
        mentees=mentees,
        dropped={f"{p.mentor_id}:{p.mentee_id}" for p in chosen.drop},
        forced=forced,
        reason=rule.reason if rule else "",
        preview=preview,
    )


@router.get("/{name}/review", response_class=HTMLResponse, include_in_schema=False)
async def review(
    name: str, request: Request, access: ConsoleAccess, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    require_cohort(request, session, access, name)
    status = await hr_cohorts.cohort_status(store(request), await temporal(request), name)
    return review_page(request, templates, name, status)


def _pair(text: str) -> PairRef:
    mentor, sep, mentee = text.partition(":")
    if not sep or not mentor or not mentee:
        raise InvalidInput(f"{text!r} is not a pair")
    return PairRef(mentor_id=mentor, mentee_id=mentee)


def overrides_from_form(
    drop: list[str], force_mentor: str, force_mentee: str, reason: str
) -> Overrides:
    """The form's choices as the approval's overrides: the ticked drops, and
    one forced pair with, when given, the reason to let it break a hard rule."""
    force: list[PairRef] = []
    rules: list[RuleOverride] = []
    if force_mentor or force_mentee:
        if not (force_mentor and force_mentee):
            raise InvalidInput("To force a pair, choose both its mentor and its mentee.")
        force.append(PairRef(mentor_id=force_mentor, mentee_id=force_mentee))
        if reason.strip():
            rules.append(
                RuleOverride(mentor_id=force_mentor, mentee_id=force_mentee, reason=reason)
            )
    return Overrides(drop=[_pair(p) for p in drop], force=force, rule_overrides=rules)


@router.post("/{name}/review", include_in_schema=False)
async def decide(
    name: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    do: Annotated[Literal["preview", "approve", "rerun"], Form()],
    drop: Annotated[list[str] | None, Form()] = None,
    force_mentor: Annotated[str, Form(max_length=64)] = "",
    force_mentee: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    require_cohort(request, session, access, name)
    sessions, client = store(request), await temporal(request)
    if do == "rerun":
        receipt = await hr_cohorts.review_cohort(
            sessions, client, name, ReviewDecision(rerun=True), actor=actor(request, access)
        )
        return done(request, cohort_path(name, "review"), receipt.message)
    overrides = overrides_from_form(drop or [], force_mentor, force_mentee, reason)
    if do == "preview":
        status = await hr_cohorts.cohort_status(sessions, client, name)
        verdict = preview_review(sessions, name, overrides)
        return review_page(request, templates, name, status, overrides, verdict)
    receipt = await hr_cohorts.review_cohort(
        sessions, client, name, ReviewDecision(overrides=overrides), actor=actor(request, access)
    )
    return done(request, cohort_path(name), receipt.message)
