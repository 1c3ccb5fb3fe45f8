"""Form bodies of the signed-link pages → the workflow update they ask for.

Field names are a contract shared with the demo's simulated participants (see
the common brief). Who acts (``by``) always comes from the signed token, never
from the form. Every problem is collected, so the page can show them all at
once next to the fields, with what the person typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ValidationError

from mentorflow.models import (
    CheckInAnswer,
    EndRequest,
    GoalProposal,
    GoalReview,
    IntroductionAnswer,
    MeetingStatus,
    MentorshipSnapshot,
    MilestoneStatus,
    PauseRequest,
    QuestionKind,
    ResumeRequest,
    SurveyAnswer,
    SurveyKind,
    SurveyQuestion,
    WouldMentor,
)

MAX_GOALS = 3
MAX_MILESTONES = 3
TITLE_MAX = 200
DESCRIPTION_MAX = 2000
#: Free text ends up in workflow history; keep each answer to a readable size.
TEXT_MAX = 5000

CHECKIN_TEXTS = ("challenges", "wins", "upcoming_decisions", "introductions", "blockers", "notes")


class FormError(ValueError):
    """The form cannot become an update; ``errors`` maps a field name (or ``""``
    for the whole form) to what the person should fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Action:
    update: str  # name of the MentorshipWorkflow update
    payload: BaseModel


class _Reader:
    """Reads stripped form values and collects errors instead of raising at the first."""

    def __init__(self, form: Mapping[str, str]) -> None:
        self.form = form
        self.errors: dict[str, str] = {}

    def text(self, name: str, max_length: int = TEXT_MAX, required: str | None = None) -> str:
        value = str(self.form.get(name, "")).strip()
        if required and not value:
            self.errors[name] = required
        elif len(value) > max_length:
            self.errors[name] = f"Please keep this under {max_length} characters."
        return value

    def choice(
        self, name: str, choices: tuple[str, ...], required: str | None = None
    ) -> str | None:
        value = str(self.form.get(name, "")).strip()
        if not value:
            if required:
                self.errors[name] = required
            return None
        if value not in choices:
            self.errors[name] = f"Please choose one of: {', '.join(choices)}."
            return None
        return value

    def integer(
        self, name: str, low: int, high: int | None, required: str | None = None
    ) -> int | None:
        raw = str(self.form.get(name, "")).strip()
        if not raw:
            if required:
                self.errors[name] = required
            return None
        try:
            value = int(raw)
        except ValueError:
            value = None
        if value is None or value < low or (high is not None and value > high):
            upper = f" and {high}" if high is not None else " or more"
            self.errors[name] = f"Please enter a whole number between {low}{upper}."
            return None
        return value

    def done(self) -> None:
        if self.errors:
            raise FormError(self.errors)


def _build(reader: _Reader, model: type[BaseModel], **fields: object) -> BaseModel:
    reader.done()
    try:
        return model(**fields)
    except ValidationError as exc:  # a rule the checks above missed: still say what
        raise FormError({"": "; ".join(e["msg"] for e in exc.errors())}) from exc


# --------------------------------------------------------------------------- per purpose


def parse_introduction(form: Mapping[str, str], by: str) -> Action:
    r = _Reader(form)
    decision = r.choice(
        "decision", ("accept", "decline"), required="Please say whether you accept."
    )
    reason = r.text(
        "reason",
        required="Please give a short reason for declining." if decision == "decline" else None,
    )
    payload = _build(r, IntroductionAnswer, by=by, accept=decision == "accept", reason=reason)
    return Action("confirm_introduction", payload)


def parse_goals(form: Mapping[str, str], by: str, today: date) -> Action:
    r = _Reader(form)
    goals: list[dict[str, object]] = []
    for g in range(MAX_GOALS):
        title = r.text(f"goal_{g}_title", TITLE_MAX)
        description = r.text(f"goal_{g}_description", DESCRIPTION_MAX)
        if not title:
            continue  # an empty goal slot is simply not used
        milestones: list[dict[str, object]] = []
        date_problem = False
        for i in range(MAX_MILESTONES):
            ms_title = r.text(f"goal_{g}_m{i}_title", TITLE_MAX)
            if not ms_title:
                continue  # so is an empty milestone slot
            field = f"goal_{g}_m{i}_date"
            try:
                target = date.fromisoformat(str(form.get(field, "")).strip())
            except ValueError:
                r.errors[field] = "Please give a target date (YYYY-MM-DD)."
                date_problem = True
                continue
            if target < today:
                r.errors[field] = "The target date is in the past."
                date_problem = True
                continue
            milestones.append({"title": ms_title, "target_date": target})
        if not milestones and not date_problem:
            r.errors[f"goal_{g}_m0_title"] = (
                "Each goal needs at least one milestone with a target date."
            )
        goals.append({"title": title, "description": description, "milestones": milestones})
    if not goals and not r.errors:
        r.errors["goal_0_title"] = "Please describe at least one goal."
    return Action("propose_goals", _build(r, GoalProposal, by=by, goals=goals))


def parse_review(form: Mapping[str, str], by: str) -> Action:
    r = _Reader(form)
    decision = r.choice(
        "decision", ("agree", "changes"), required="Please agree or ask for changes."
    )
    comment = r.text(
        "comment",
        required="Please say what you would like changed." if decision == "changes" else None,
    )
    payload = _build(r, GoalReview, by=by, agree=decision == "agree", comment=comment)
    return Action("review_goals", payload)


def parse_checkin(
    form: Mapping[str, str], by: str, number: int, snapshot: MentorshipSnapshot
) -> Action:
    r = _Reader(form)
    met = r.choice("met", tuple(MeetingStatus), required="Please say whether you met.")
    value = r.integer("value", 1, 5)
    statuses = tuple(MilestoneStatus)
    progress: dict[str, MilestoneStatus] = {}
    # Only the pair's own milestones are read; anything else in the body is ignored.
    for g, goal in enumerate(snapshot.goals):
        for i, _ in enumerate(goal.milestones):
            status = r.choice(f"m_{g}_{i}", statuses)
            if status is not None:
                progress[f"{g}.{i}"] = MilestoneStatus(status)
    texts = {name: r.text(name) for name in CHECKIN_TEXTS}
    payload = _build(
        r,
        CheckInAnswer,
        by=by,
        number=number,
        met=met,
        value=value,
        milestone_progress=progress,
        **texts,
    )
    return Action("answer_checkin", payload)


def parse_survey(
    form: Mapping[str, str],
    by: str,
    kind: SurveyKind,
    is_mentee: bool,
    goals_count: int,
    questions: Sequence[SurveyQuestion] = (),
) -> Action:
    r = _Reader(form)
    rating = r.integer("rating", 1, 5, required="Please give a rating from 1 to 5.")
    fields: dict[str, object] = {
        "by": by,
        "kind": kind,
        "rating": rating,
        "gained": r.text("gained"),
        "comments": r.text("comments"),
    }
    if kind is SurveyKind.MIDPOINT:
        working = r.choice(
            "working_well", ("yes", "no"), required="Please say whether it is working for you."
        )
        fields["working_well"] = None if working is None else working == "yes"
    else:
        fields["goals_achieved"] = r.integer("goals_achieved", 0, goals_count or None)
        if is_mentee:
            fields["would_mentor"] = r.choice("would_mentor", tuple(WouldMentor))
    extra: dict[str, int | str] = {}
    for question in questions:
        name = f"q_{question.id}"
        value = (
            r.integer(name, 1, 5) if question.kind == QuestionKind.RATING else r.text(name, 2000)
        )
        if value not in (None, ""):
            extra[question.id] = value
    fields["extra"] = extra
    return Action("answer_survey", _build(r, SurveyAnswer, **fields))


def parse_end(form: Mapping[str, str], by: str) -> Action:
    r = _Reader(form)
    action = r.choice(
        "action", ("pause", "resume", "end"), required="Please choose what you would like to do."
    )
    reason = r.text(
        "reason",
        2000,
        required="Please give a short reason; it helps the program team."
        if action == "end"
        else None,
    )
    if action == "end":
        wants_new_mentor = form.get("new_mentor") == "yes"
        return Action(
            "end_early",
            _build(r, EndRequest, by=by, reason=reason, wants_new_mentor=wants_new_mentor),
        )
    if action == "resume":
        return Action("resume", _build(r, ResumeRequest, by=by))
    return Action("pause", _build(r, PauseRequest, by=by, reason=reason))
