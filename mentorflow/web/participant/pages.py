"""What a signed-link page shows: who is who, the pair's goals, the check-in
or survey at hand, and the values a form starts with.

Built from the workflow's ``snapshot`` query and the token's claims only, so
a page always shows the workflow's current truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mentorflow.links import LinkClaims, LinkInvalid
from mentorflow.models import (
    CheckInView,
    Goal,
    MentorshipSnapshot,
    MilestoneStatus,
    Participant,
    Phase,
    SurveyKind,
    SurveyView,
)

#: Form template for each link purpose.
TEMPLATES = {
    "introduction": "introduction.html",
    "goals": "goals.html",
    "review": "review.html",
    "checkin": "checkin.html",
    "survey": "survey.html",
    "end": "end.html",
}

STATUS_LABELS = {
    MilestoneStatus.NOT_STARTED: "Not started",
    MilestoneStatus.IN_PROGRESS: "In progress",
    MilestoneStatus.DONE: "Done",
}


@dataclass(frozen=True)
class DueMilestone:
    goal: str
    title: str
    target_date: date
    status: MilestoneStatus


@dataclass
class LinkPage:
    """Everything a link page needs, for GET and for a re-rendered POST."""

    purpose: str
    claims: LinkClaims
    snapshot: MentorshipSnapshot
    me: Participant
    partner: Participant | None
    role: str  # mentor | mentee | hr
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return datetime.now(ZoneInfo(self.me.timezone)).date()

    def context(self) -> dict[str, Any]:
        ctx: dict[str, Any] = {
            "purpose": self.purpose,
            "me": self.me,
            "partner": self.partner,
            "role": self.role,
            "snapshot": self.snapshot,
            "goals": self.snapshot.goals,
            "values": self.values,
            "errors": self.errors,
            "tz": self.me.timezone,
            "status_labels": STATUS_LABELS,
            "today": self.today.isoformat(),
        }
        if self.purpose == "checkin":
            number = checkin_number(self.claims)
            view = find_checkin(self.snapshot, number)
            ctx["number"] = number
            ctx["closes_at"] = view.closes.get(self.me.employee_id) if view else None
            ctx["milestones_due"] = milestones_due(self.snapshot.goals, ctx["closes_at"], self.me)
        elif self.purpose == "survey":
            kind = survey_kind(self.claims)
            view = find_survey(self.snapshot, kind)
            ctx["kind"] = kind.value
            ctx["closes_at"] = view.closes if view else None
            ctx["questions"] = self.snapshot.survey_questions.of(kind)
        return ctx


def checkin_number(claims: LinkClaims) -> int:
    try:
        return int(claims.ref)
    except ValueError as exc:  # signed by us, so this is a minting bug, not a user's
        raise LinkInvalid() from exc


def survey_kind(claims: LinkClaims) -> SurveyKind:
    try:
        return SurveyKind(claims.ref)
    except ValueError as exc:
        raise LinkInvalid() from exc


def find_checkin(snapshot: MentorshipSnapshot, number: int) -> CheckInView | None:
    return next((c for c in snapshot.checkins if c.number == number), None)


def find_survey(snapshot: MentorshipSnapshot, kind: SurveyKind) -> SurveyView | None:
    return next((s for s in snapshot.surveys if s.kind == kind), None)


def milestones_due(
    goals: list[Goal], closes_at: datetime | None, me: Participant
) -> list[DueMilestone]:
    """Open milestones whose target date falls by the end of this check-in."""
    by = (
        closes_at.astimezone(ZoneInfo(me.timezone)).date()
        if closes_at
        else datetime.now(ZoneInfo(me.timezone)).date()
    )
    return [
        DueMilestone(goal.title, m.title, m.target_date, m.status)
        for goal in goals
        for m in goal.milestones
        if m.target_date <= by and m.status is not MilestoneStatus.DONE
    ]


def build_page(
    purpose: str,
    claims: LinkClaims,
    snapshot: MentorshipSnapshot,
) -> LinkPage:
    """The page for this token; ``me`` is the token's participant."""
    pid = claims.participant_id
    if pid == snapshot.mentor.employee_id:
        me, partner, role = snapshot.mentor, snapshot.mentee, "mentor"
    elif pid == snapshot.mentee.employee_id:
        me, partner, role = snapshot.mentee, snapshot.mentor, "mentee"
    else:
        # Someone outside the pair: GET says so; on submit the workflow's
        # validator has the final say. Nobody's details are shown.
        me = Participant(employee_id=pid, email="", name="")
        partner, role = None, "outsider"
    page = LinkPage(purpose, claims, snapshot, me, partner, role)
    page.values = initial_values(page)
    return page


def initial_values(page: LinkPage) -> dict[str, str]:
    """What the form shows before the person types: the proposal the mentor
    sent back (the snapshot keeps it), the milestones' current statuses."""
    values: dict[str, str] = {}
    goals = page.snapshot.goals
    if page.purpose == "goals":
        for g, goal in enumerate(goals):
            values[f"goal_{g}_title"] = goal.title
            values[f"goal_{g}_description"] = goal.description
            for i, m in enumerate(goal.milestones):
                values[f"goal_{g}_m{i}_title"] = m.title
                values[f"goal_{g}_m{i}_date"] = m.target_date.isoformat()
    elif page.purpose == "checkin":
        for g, goal in enumerate(goals):
            for i, m in enumerate(goal.milestones):
                values[f"m_{g}_{i}"] = m.status.value
    elif page.purpose == "end":
        values["action"] = "resume" if page.snapshot.paused else ""
    return values


def unavailable_reason(page: LinkPage) -> tuple[int, str] | None:
    """HTTP status and explanation when this link has nothing left to do and
    the snapshot says so plainly.

    Only the obvious cases, and only on GET: the workflow's update validators
    remain the authority on submit.
    """
    snap, me = page.snapshot, page.me.employee_id
    if snap.phase is Phase.CLOSED:
        return 410, "This mentorship has ended, so there is nothing left to do here."
    if page.role == "outsider":
        return 403, "This link is not for a participant of this mentorship."
    if page.purpose == "introduction" and me in snap.confirmed:
        return 409, "You have already accepted this introduction. Thank you!"
    if page.purpose == "checkin":
        view = find_checkin(snap, checkin_number(page.claims))
        if view and (me in view.answered_by or view.outcome is not None):
            return 409, f"Check-in {view.number} is already answered or closed."
    if page.purpose == "survey":
        survey = find_survey(snap, survey_kind(page.claims))
        if survey and (me in survey.answered_by or survey.done):
            return 409, "You have already answered this survey. Thank you!"
    return None
