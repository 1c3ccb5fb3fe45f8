"""One pair's story in time order, from the store: the introduction, goals
and milestones, each check-in and its answers, surveys, pauses, resumes and
ends, every email sent to either person, and HR's follow-ups.

Participants' words go into ``words`` only when ``reads_answers``; ratings,
outcomes and flags always show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mentorflow.pairs.models import EmailSent, FollowUp, TimelineEntry
from mentorflow.store.schema import CheckIn, Mentorship, MentorshipEventRow, OutboxMessage

#: Check-in answer fields a participant writes, as HR reads them.
_WORDS = (
    ("challenges", "Challenges"),
    ("wins", "Wins"),
    ("upcoming_decisions", "Upcoming decisions"),
    ("introductions", "Introductions"),
    ("blockers", "Blockers"),
    ("notes", "Notes"),
)
#: Survey answers that are a participant's words, not ratings.
_SURVEY_WORDS = ("gained", "comments")

_EVENTS = {
    "introduction_confirmed": ("introduction", "Introduction confirmed"),
    "introduction_declined": ("introduction", "Introduction declined"),
    "goals_agreed": ("goal", "Goals agreed"),
    "goals_changes_requested": ("goal", "Mentor asked for changes to the goals"),
    "goals_missing": ("goal", "No goals agreed in time"),
    "paused": ("pause", "Paused"),
    "resumed": ("resume", "Resumed"),
    "ended_early": ("end", "Ended early"),
    "participant_left": ("end", "A participant left the organisation"),
    "at_risk": ("at_risk", "At risk"),
    "email_failed": ("email", "An email could not be delivered"),
    "checkin_reevaluated": ("checkin", "Check-in outcome changed by a late answer"),
}


def _who(names: dict[str, str], actor: str | None) -> str:
    if actor is None:
        return ""
    return "HR" if actor == "hr" else names.get(actor, actor)


def _opened(checkin: CheckIn) -> datetime | None:
    times = sorted(datetime.fromisoformat(t) for t in (checkin.opens or {}).values())
    return times[0] if times else None


def build(
    m: Mentorship,
    events: Sequence[MentorshipEventRow],
    emails: Sequence[EmailSent],
    follow_ups: Sequence[FollowUp],
    *,
    reads_answers: bool,
) -> list[TimelineEntry]:
    names = {m.mentor_id: m.mentor.name, m.mentee_id: m.mentee.name}
    entries = [
        TimelineEntry(
            at=m.started_at,
            kind="introduction",
            title=f"Paired: {m.mentor.name} mentors {m.mentee.name}",
        )
    ]
    for event in events:
        kind, title = _EVENTS.get(
            event.kind, (event.kind, event.kind.replace("_", " ").capitalize())
        )
        details = []
        who = _who(names, event.actor)
        if who:
            details.append(f"by {who}")
        detail = event.detail or {}
        if event.kind == "at_risk":
            details.append(f"{detail.get('streak')} check-ins in a row not held")
        elif event.kind in ("paused", "ended_early", "participant_left", "introduction_declined"):
            if detail.get("reason"):
                details.append(f"reason: {detail['reason']}")
        elif event.kind == "checkin_reevaluated":
            details.append(
                f"check-in {detail.get('number')}: {detail.get('was')} → {detail.get('now')}"
            )
        words = []
        if reads_answers and event.kind == "goals_changes_requested" and detail.get("comment"):
            words.append(f"Comment: {detail['comment']}")
        entries.append(
            TimelineEntry(at=event.at, kind=kind, title=title, details=details, words=words)
        )
    for goal in m.goals:
        details = [
            f"{ms.title} (by {ms.target_date.isoformat()}): {ms.status.replace('_', ' ')}"
            + (f", done {ms.done_at.date().isoformat()}" if ms.done_at else "")
            for ms in goal.milestones
        ]
        title = f"Goal: {goal.title}" + ("" if goal.agreed_at else " (proposed)")
        entries.append(
            TimelineEntry(
                at=goal.agreed_at or m.started_at, kind="goal", title=title, details=details
            )
        )
    for checkin in m.checkins:
        opened = _opened(checkin)
        if opened is not None:
            entries.append(
                TimelineEntry(
                    at=opened,
                    kind="checkin",
                    title=f"Check-in {checkin.number} opened",
                    details=[f"due {checkin.due_date.isoformat()}"],
                )
            )
        for answer in checkin.answers:
            details = [f"met: {answer.met}"]
            if answer.value is not None:
                details.append(f"rating: {answer.value}/5")
            if answer.milestone_progress:
                details.append(
                    "milestones: "
                    + ", ".join(f"{k} {v}" for k, v in sorted(answer.milestone_progress.items()))
                )
            words = (
                [
                    f"{label}: {getattr(answer, field)}"
                    for field, label in _WORDS
                    if getattr(answer, field)
                ]
                if reads_answers
                else []
            )
            entries.append(
                TimelineEntry(
                    at=answer.submitted_at,
                    kind="answer",
                    title=f"Check-in {checkin.number} answered by "
                    + _who(names, answer.participant_id),
                    details=details,
                    words=words,
                )
            )
        if checkin.outcome and checkin.closed_at:
            entries.append(
                TimelineEntry(
                    at=checkin.closed_at,
                    kind="checkin",
                    title=f"Check-in {checkin.number} closed: {checkin.outcome.replace('_', ' ')}",
                )
            )
    for survey in m.surveys:
        details = [f"rating: {survey.rating}/5" if survey.rating is not None else "no rating"]
        if survey.would_mentor:
            details.append(f"would mentor: {survey.would_mentor}")
        words = []
        if reads_answers:
            answers = survey.answers or {}
            words = [
                f"{key.replace('_', ' ').capitalize()}: {answers[key]}"
                for key in _SURVEY_WORDS
                if isinstance(answers.get(key), str) and answers[key]
            ]
            extra = answers.get("extra") or {}
            words += [f"{k}: {v}" for k, v in sorted(extra.items()) if isinstance(v, str) and v]
        details += [
            f"{k}: {v}"
            for k, v in sorted((survey.answers or {}).get("extra", {}).items())
            if isinstance(v, int)
        ]
        entries.append(
            TimelineEntry(
                at=survey.submitted_at,
                kind="survey",
                title=f"{survey.kind.capitalize()} survey answered by "
                + _who(names, survey.participant_id),
                details=details,
                words=words,
            )
        )
    for email in emails:
        state = f"delivered {email.sent_at:%Y-%m-%d %H:%M} UTC" if email.sent_at else email.status
        entries.append(
            TimelineEntry(
                at=email.created_at,
                kind="email",
                title=f"Email {email.template.replace('_', ' ')} to {email.to}",
                details=[state] + ([email.subject] if email.subject else []),
            )
        )
    for follow_up in follow_ups:
        entries.append(
            TimelineEntry(
                at=follow_up.at,
                kind="follow_up",
                title=f"At-risk flag followed up by {follow_up.by}",
                details=[f"flag of check-in {follow_up.flag_checkin}"]
                + ([f"note: {follow_up.note}"] if follow_up.note else []),
            )
        )
    return sorted(entries, key=lambda e: e.at)


def email_of(row: OutboxMessage, names: dict[str, str]) -> EmailSent:
    to = (row.request or {}).get("to") or {}
    employee = to.get("employee_id")
    shown = f"{names[employee]} <{row.to_address}>" if employee in names else row.to_address
    return EmailSent(
        id=row.id,
        template=row.template,
        to=shown,
        to_employee=employee,
        subject=row.subject,
        status=row.status,
        created_at=row.created_at,
        sent_at=row.sent_at,
        resendable=row.request is not None,
    )
