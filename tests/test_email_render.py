"""The email catalogue renders for every recipient with exactly the context the
common brief documents: no undefined variable, links in both parts, CSS
inlined, dates in the recipient's own time zone."""

from __future__ import annotations

from typing import Any

import pytest

from mentorflow.mail.render import (
    EmailTemplateError,
    catalogue,
    format_date,
    format_local_datetime,
    render_email,
)

MENTOR = {
    "employee_id": "e-100",
    "email": "ana.lima@example.com",
    "name": "Ana Lima",
    "timezone": "Europe/Paris",
}
MENTEE = {
    "employee_id": "e-200",
    "email": "bo.chen@example.com",
    "name": "Bo Chen",
    "timezone": "America/New_York",
}
HR = {"employee_id": "hr", "email": "hr@example.com", "name": "Program team", "timezone": "UTC"}

#: One moment, shown differently to each recipient.
MOMENT = "2026-03-03T08:00:00+00:00"
SHOWN = {
    "mentor": "Tuesday 3 March 2026, 09:00 CET",
    "mentee": "Tuesday 3 March 2026, 03:00 EST",
    "manager": "Tuesday 3 March 2026, 09:00 CET",  # the manager is MENTOR here
    "alumnus": "Tuesday 3 March 2026, 03:00 EST",  # the alumnus is MENTEE here
}

GOALS = [
    {
        "title": "Lead a design review",
        "description": "Own one review from invitation to decision record.",
        "milestones": [
            {"title": "Shadow two reviews", "target_date": "2026-03-20", "status": "done"},
            {"title": "Run a review", "target_date": "2026-05-15", "status": "in_progress"},
        ],
    },
    {
        "title": "Widen my network in platform engineering",
        "description": "",
        "milestones": [
            {
                "title": "Meet three staff engineers",
                "target_date": "2026-04-30",
                "status": "not_started",
            },
        ],
    },
]

#: Every documented context key of every email (the brief's catalogue).
VALUES: dict[str, Any] = {
    "respond_by": MOMENT,
    "deadline": MOMENT,
    "feedback": "Make the second goal concrete: who, and by when?",
    "goals": GOALS,
    "waiting_for": "propose",
    "first_checkin_at": MOMENT,
    "cadence": "every 2 weeks",
    "checkins_planned": 12,
    "number": 3,
    "milestones_due": [
        {
            "goal": "Lead a design review",
            "title": "Run a review",
            "target_date": "2026-05-15",
            "status": "in_progress",
        }
    ],
    "closes_at": MOMENT,
    "streak": 2,
    "recent": [{"number": 2, "outcome": "missed"}, {"number": 3, "outcome": "not_met"}],
    "cohort": "2026-spring",
    "kind": "midpoint",
    "checkins_held": 10,
    "milestones_done": 2,
    "milestones_total": 3,
    "mean_value": 4.25,
    "gained": "A calmer way to run hard conversations.",
    "invited_to_mentor": True,
    "by_name": "Ana Lima",
    "reason": "Moving to a new team; we will stay in touch.",
    "outcome": "ended_early",
    "subject": "Mentorship ended early",
    "roles": ["mentee"],
    "decision_due": MOMENT,
    "program_manager_email": "programs@example.com",
    "reasons": ["said_yes", "went_well"],
    "expires_at": MOMENT,
    "default_capacity": 2,
    "admitted_cohort": "2026-autumn",
    "refused": "",
    "ask_again_after": MOMENT,
    "status": "refused",
    "sync_id": "hris-sync-2026-03-03T08:00:00Z",
    "source": "scim",
    "leaving": 42,
    "detail": "e-200 now reports to e-100",
    "day": "2026-03-20",
    "total": 3,
    "groups": [
        {
            "kind": "not_started",
            "label": "Mentorships not started",
            "count": 2,
            "pairs": [
                {
                    "mentor": {"name": "Ana Lima", "email": "ana@example.com"},
                    "mentee": {"name": "Ben Osei", "email": "ben@example.com"},
                    "cohort": "2026-spring",
                    "reason": "The introduction was not confirmed in time.",
                },
                {
                    "mentor": {"name": "Cy Dube", "email": "cy@example.com"},
                    "mentee": {"name": "Di Park", "email": "di@example.com"},
                    "cohort": "2026-spring",
                    "reason": "The introduction was not confirmed in time.",
                },
            ],
        },
        {
            "kind": "ended_early",
            "label": "Mentorships ended early",
            "count": 1,
            "pairs": [
                {
                    "mentor": {"name": "Ana Lima", "email": "ana@example.com"},
                    "mentee": {"name": "Eve Sato", "email": "eve@example.com"},
                    "cohort": "2026-spring",
                    "reason": "",
                }
            ],
        },
    ],
}

APPLICATION = ("cohort", "applicant", "roles", "reason", "program_manager_email")
ALUMNI = (
    "cohort",
    "reasons",
    "mean_value",
    "expires_at",
    "default_capacity",
    "admitted_cohort",
    "refused",
    "ask_again_after",
    "program_manager_email",
)
HRIS = ("status", "reason", "sync_id", "source", "leaving")

#: template → (extra context keys, link names, shows a date-time)
CATALOGUE: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]] = {
    "introduction": (("mentor", "mentee", "respond_by"), ("respond",), True),
    "introduction_reminder": (("mentor", "mentee", "respond_by"), ("respond",), True),
    "goals_request": (("deadline", "feedback", "goals"), ("goals",), True),
    "goals_review": (("goals", "deadline"), ("review",), True),
    "goals_reminder": (("deadline", "waiting_for"), ("goals",), True),
    "goals_agreed": (("goals", "first_checkin_at", "cadence", "checkins_planned"), (), True),
    "goals_missing": ((), (), False),
    "checkin": (("number", "goals", "milestones_due", "closes_at"), ("checkin", "manage"), True),
    "checkin_reminder": (
        ("number", "goals", "milestones_due", "closes_at"),
        ("checkin", "manage"),
        True,
    ),
    "at_risk": (("mentor", "mentee", "streak", "recent", "cohort"), (), False),
    "survey": (("kind", "closes_at"), ("survey",), True),
    "survey_reminder": (("kind", "closes_at"), ("survey",), True),
    "graduation": (
        (
            "goals",
            "checkins_held",
            "checkins_planned",
            "milestones_done",
            "milestones_total",
            "mean_value",
            "gained",
            "invited_to_mentor",
        ),
        (),
        False,
    ),
    "mentorship_paused": (("by_name", "reason"), ("manage",), False),
    "mentorship_resumed": (("by_name", "reason"), ("manage",), False),
    "mentorship_ended": (("outcome", "by_name", "reason"), (), False),
    "hr_notice": (("subject", "mentor", "mentee", "outcome", "reason", "cohort"), (), False),
    "hr_digest": (("day", "total", "groups"), (), False),
    "application_received": (APPLICATION, (), False),
    "application_approved": (APPLICATION, (), False),
    "application_ineligible": (APPLICATION, (), False),
    "application_rejected": (APPLICATION, (), False),
    "application_withdrawn": (APPLICATION, (), False),
    "application_waitlisted": (APPLICATION, (), False),
    "manager_approval": ((*APPLICATION, "decision_due"), ("approval",), True),
    "manager_approval_reminder": ((*APPLICATION, "decision_due"), ("approval",), True),
    "apply_link": (("cohort",), ("apply",), False),
    "alumni_invitation": (ALUMNI, ("alumni",), True),
    "alumni_reminder": (ALUMNI, ("alumni",), True),
    "alumni_accepted": (ALUMNI, (), False),
    "alumni_declined": (ALUMNI, (), False),
    "hris_sync_alert": (HRIS, (), False),
    "reporting_line_alert": (("mentor", "mentee", "cohort", "detail"), (), False),
}
HR_MAIL = {"at_risk", "hr_notice", "hr_digest", "hris_sync_alert", "reporting_line_alert"}
ALUMNI_MAIL = {"alumni_invitation", "alumni_reminder", "alumni_accepted", "alumni_declined"}
MANAGER_MAIL = {"manager_approval", "manager_approval_reminder"}


def recipients_of(template: str) -> tuple[str, ...]:
    if template in HR_MAIL:
        return ("hr",)
    if template in MANAGER_MAIL:
        return ("manager",)
    if template in ALUMNI_MAIL:
        return ("alumnus",)
    if template.startswith("application_") or template == "apply_link":
        return ("applicant",)
    return ("mentor", "mentee")


def context_for(template: str, role: str, **overrides: Any) -> dict[str, Any]:
    """Exactly the documented context: the common keys plus the template's own."""
    keys, link_names, _ = CATALOGUE[template]
    recipient, partner = {
        "mentor": (MENTOR, MENTEE),
        "mentee": (MENTEE, MENTOR),
        "applicant": (MENTEE, None),
        "manager": (MENTOR, None),
        "alumnus": (MENTEE, None),
    }.get(role, (HR, None))
    context: dict[str, Any] = {
        "program_name": "Grow Together 2026",
        "recipient": recipient,
        "role": role,
        "mentorship_id": "mentorship:2026-spring:e-100:e-200",
        "links": {
            name: f"https://mentor.example.com/l/{name}/tok-{name}-{role}.sig_x"
            for name in link_names
        },
    }
    if partner is not None:
        context["partner"] = partner
    values = {**VALUES, "mentor": MENTOR, "mentee": MENTEE, "applicant": MENTEE}
    context.update({key: values[key] for key in keys})
    context.update(overrides)
    return context


CASES = [(template, role) for template in CATALOGUE for role in recipients_of(template)]


def test_catalogue_is_complete() -> None:
    assert catalogue() == sorted(CATALOGUE)


@pytest.mark.parametrize(("template", "role"), CASES)
def test_every_email_renders_for_its_recipients(template: str, role: str) -> None:
    context = context_for(template, role)
    email = render_email(template, context)

    assert email.subject and "\n" not in email.subject and "{" not in email.subject
    assert email.text.startswith(f"Hi {context['recipient']['name'].split()[0]},")
    assert "Grow Together 2026" in email.text and "Grow Together 2026" in email.html
    for url in context["links"].values():
        assert f"\n{url}\n" in email.text, "full URL on its own line in the text part"
        assert f'href="{url}"' in email.html, "a button in the HTML part"
    # Inlined CSS: the header carries its style, no stylesheet is left to fetch.
    assert 'class="header" style="' in email.html
    assert "<link" not in email.html
    if context["links"]:
        assert 'class="button' in email.html
    if CATALOGUE[template][2]:
        assert SHOWN[role] in email.text
        assert SHOWN[role] in email.html
    # The footer explains why this person got the mail.
    assert "You are receiving this because" in email.text


@pytest.mark.parametrize("outcome", ["ended_early", "declined", "not_started", "participant_left"])
@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_every_ending_renders(outcome: str, role: str) -> None:
    reason = "Too much on my plate" if outcome in ("ended_early", "not_started") else ""
    email = render_email(
        "mentorship_ended", context_for("mentorship_ended", role, outcome=outcome, reason=reason)
    )
    assert email.subject and email.text and email.html


def test_partner_of_someone_who_declined_gets_a_kind_note() -> None:
    declined = {"outcome": "declined", "by_name": "Ana Lima", "reason": ""}
    to_mentee = render_email(
        "mentorship_ended", context_for("mentorship_ended", "mentee", **declined)
    )
    to_mentor = render_email(
        "mentorship_ended", context_for("mentorship_ended", "mentor", **declined)
    )
    assert "This says nothing about you" in to_mentee.text
    assert "Thank you for letting us know" in to_mentor.text
    assert "This says nothing about you" not in to_mentor.text


def test_early_end_by_the_program_team_starts_the_sentence_with_a_capital() -> None:
    email = render_email(
        "mentorship_ended",
        context_for("mentorship_ended", "mentee", by_name="the program team"),
    )
    assert "The program team ended your mentorship early:" in email.text


def test_graduation_invites_the_mentee_to_pay_it_forward() -> None:
    to_mentee = render_email("graduation", context_for("graduation", "mentee"))
    to_mentor = render_email("graduation", context_for("graduation", "mentor"))
    assert "Pay it forward" in to_mentee.text and "Pay it forward" in to_mentee.html
    assert "Pay it forward" not in to_mentor.text
    # Two-way: each side reads what the other said they gained.
    for email in (to_mentee, to_mentor):
        assert VALUES["gained"] in email.text
        assert "Average value of your meetings: 4.2 out of 5" in email.text
    no_ratings = render_email("graduation", context_for("graduation", "mentee", mean_value=None))
    assert "Average value" not in no_ratings.text


def test_graduation_promises_an_invitation_only_to_those_the_cohort_invites() -> None:
    """The closing cohort invites graduated mentors and the mentees who said
    yes or rated their meetings highly (``alumni_candidates``): only they read
    that an invitation is coming; the others are told how to apply."""
    coming = "When this cohort closes we will invite you to mentor"
    for role in ("mentee", "mentor"):
        invited = render_email("graduation", context_for("graduation", role))
        assert coming in invited.text and coming in invited.html
        assert "apply" not in invited.text
        not_invited = render_email(
            "graduation", context_for("graduation", role, invited_to_mentor=False)
        )
        for body in (not_invited.text, not_invited.html):
            assert "invite" not in body and "invited" not in body
            assert "apply" in body and "next cohort opens" in body


def test_goals_and_milestones_are_listed_with_dates_and_progress() -> None:
    email = render_email("goals_agreed", context_for("goals_agreed", "mentee"))
    assert "1. Lead a design review" in email.text
    assert "- Shadow two reviews, by Friday 20 March 2026 (done)" in email.text
    assert "- Meet three staff engineers, by Thursday 30 April 2026\n" in email.text
    assert "Check-ins every 2 weeks, 12 in all" in email.html


def test_goals_reminder_points_the_mentor_to_the_review() -> None:
    context = context_for("goals_reminder", "mentor", waiting_for="review")
    context["links"] = {"review": "https://mentor.example.com/l/review/tok"}
    email = render_email("goals_reminder", context)
    assert "waiting for your review" in email.subject
    assert "\nhttps://mentor.example.com/l/review/tok\n" in email.text


def test_user_text_is_escaped_in_html() -> None:
    feedback = 'Please <b>rethink</b> goal 2 & "3"'
    email = render_email("goals_request", context_for("goals_request", "mentee", feedback=feedback))
    assert "&lt;b&gt;rethink&lt;/b&gt; goal 2 &amp;" in email.html
    assert "<b>rethink</b>" not in email.html
    assert feedback in email.text  # the text part is plain text: shown as typed


def test_a_missing_context_variable_is_an_error() -> None:
    context = context_for("introduction", "mentor")
    del context["respond_by"]
    with pytest.raises(EmailTemplateError, match="respond_by"):
        render_email("introduction", context)


def test_an_unknown_template_is_an_error() -> None:
    with pytest.raises(EmailTemplateError, match="no_such_email"):
        render_email("no_such_email", context_for("goals_missing", "mentor"))
    with pytest.raises(EmailTemplateError, match="invalid"):
        render_email("../_layout", context_for("goals_missing", "mentor"))


def test_a_naive_datetime_is_an_error() -> None:
    with pytest.raises(EmailTemplateError, match="naive"):
        render_email("survey", context_for("survey", "mentor", closes_at="2026-03-03T08:00:00"))


def test_dates_are_shown_in_the_recipients_zone() -> None:
    from zoneinfo import ZoneInfo

    assert format_local_datetime(MOMENT, ZoneInfo("Europe/Paris")) == SHOWN["mentor"]
    # Summer time is named as such.
    assert (
        format_local_datetime("2026-07-07T07:00:00Z", ZoneInfo("Europe/Paris"))
        == "Tuesday 7 July 2026, 09:00 CEST"
    )
    assert format_date("2026-03-03") == "Tuesday 3 March 2026"


def test_hr_digest_lists_each_kind_with_its_count_and_pairs() -> None:
    email = render_email("hr_digest", context_for("hr_digest", "hr"))
    assert email.subject == "Grow Together 2026: 3 HR notices for Friday 20 March 2026"
    assert "Mentorships not started: 2" in email.text
    assert "Mentorships ended early: 1" in email.text
    assert (
        "- Ana Lima (mentor) and Ben Osei (mentee), 2026-spring: "
        "The introduction was not confirmed in time." in email.text
    )
    assert "- Ana Lima (mentor) and Eve Sato (mentee), 2026-spring\n" in email.text
    assert "Mentorships not started: 2</h2>" in email.html
    assert 'href="mailto:di@example.com"' in email.html


def test_a_mentor_is_invited_back_as_a_mentor_not_as_a_graduate() -> None:
    mentor = render_email(
        "alumni_invitation", context_for("alumni_invitation", "mentor", reasons=["mentored"])
    )
    for body in (mentor.text, mentor.html):
        assert "Thank you for mentoring in Grow Together 2026" in body
        assert "You graduated" not in body and "final survey" not in body
        assert "Your own mentorship went well" not in body
    mentee = render_email("alumni_invitation", context_for("alumni_invitation", "mentee"))
    assert "You graduated from Grow Together 2026" in mentee.text
    assert "\n\n\n" not in mentor.text
