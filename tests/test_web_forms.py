"""Form bodies → workflow updates: the field-name contract the pages, the
demo's simulated participants and the workflow share."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from mentorflow.models import (
    CheckInAnswer,
    EndRequest,
    Goal,
    GoalProposal,
    MentorshipSnapshot,
    Milestone,
    Participant,
    PauseRequest,
    Phase,
    ResumeRequest,
    SurveyAnswer,
    SurveyKind,
)
from mentorflow.web.participant import forms

TODAY = date(2030, 1, 15)
MENTOR = Participant(employee_id="E100", email="m@example.com", name="Maria Jansen")
MENTEE = Participant(employee_id="E200", email="e@example.com", name="Eli Okafor")


def snapshot_with_goals() -> MentorshipSnapshot:
    goal = Goal(
        title="Lead a design review",
        milestones=[
            Milestone(title="Shadow", target_date=date(2030, 2, 1)),
            Milestone(title="Run one", target_date=date(2030, 4, 1)),
        ],
    )
    return MentorshipSnapshot(
        mentorship_id="mentorship:c1:E100:E200",
        cohort="c1",
        phase=Phase.CHECKINS,
        paused=False,
        mentor=MENTOR,
        mentee=MENTEE,
        confirmed=["E100", "E200"],
        goals=[goal],
        goals_proposed=True,
        checkins=[],
        checkins_held=0,
        checkins_missed=0,
        missed_streak=0,
        at_risk=False,
        surveys=[],
        next_event_at=datetime(2030, 1, 20, tzinfo=UTC),
    )


def test_goals_skip_empty_slots_and_keep_order() -> None:
    action = forms.parse_goals(
        {
            "goal_0_title": "  Speak at a conference ",
            "goal_0_m0_title": "Submit a talk",
            "goal_0_m0_date": "2030-03-01",
            "goal_0_m2_title": "Give the talk",
            "goal_0_m2_date": "2030-06-01",
            "goal_1_description": "no title: ignored",
            "goal_1_m0_title": "ignored too",
            "goal_2_title": "Mentor an intern",
            "goal_2_m0_title": "Meet them",
            "goal_2_m0_date": "2030-01-15",  # today is fine
        },
        by="E200",
        today=TODAY,
    )
    assert action.update == "propose_goals"
    proposal = action.payload
    assert isinstance(proposal, GoalProposal) and proposal.by == "E200"
    assert [g.title for g in proposal.goals] == ["Speak at a conference", "Mentor an intern"]
    assert [m.title for m in proposal.goals[0].milestones] == ["Submit a talk", "Give the talk"]


def test_goals_report_every_problem_at_once() -> None:
    with pytest.raises(forms.FormError) as caught:
        forms.parse_goals(
            {
                "goal_0_title": "x" * 201,
                "goal_0_m0_title": "Past",
                "goal_0_m0_date": "2029-12-31",
                "goal_1_title": "No milestone",
            },
            by="E200",
            today=TODAY,
        )
    assert caught.value.errors == {
        "goal_0_title": "Please keep this under 200 characters.",
        "goal_0_m0_date": "The target date is in the past.",
        "goal_1_m0_title": "Each goal needs at least one milestone with a target date.",
    }


def test_checkin_reads_only_the_pairs_milestones() -> None:
    action = forms.parse_checkin(
        {"met": "rescheduled", "m_0_1": "done", "m_5_5": "done", "wins": "A win", "by": "E999"},
        by="E100",
        number=3,
        snapshot=snapshot_with_goals(),
    )
    answer = action.payload
    assert action.update == "answer_checkin" and isinstance(answer, CheckInAnswer)
    assert answer.by == "E100"  # never from the form
    assert (answer.number, answer.met, answer.value) == (3, "rescheduled", None)
    assert answer.milestone_progress == {"0.1": "done"}
    assert answer.wins == "A win"


def test_checkin_problems() -> None:
    with pytest.raises(forms.FormError) as caught:
        forms.parse_checkin(
            {"value": "five", "m_0_0": "finished"}, "E100", 1, snapshot_with_goals()
        )
    assert set(caught.value.errors) == {"met", "value", "m_0_0"}


def test_surveys() -> None:
    final = forms.parse_survey(
        {"rating": "5", "goals_achieved": "1", "would_mentor": "maybe", "gained": "Courage"},
        by="E200",
        kind=SurveyKind.FINAL,
        is_mentee=True,
        goals_count=1,
    ).payload
    assert isinstance(final, SurveyAnswer)
    assert (final.rating, final.goals_achieved, final.would_mentor) == (5, 1, "maybe")

    mentor = forms.parse_survey(
        {"rating": "4", "would_mentor": "yes"}, "E100", SurveyKind.FINAL, False, 1
    ).payload
    assert isinstance(mentor, SurveyAnswer) and mentor.would_mentor is None

    midpoint = forms.parse_survey(
        {"rating": "3", "working_well": "no"}, "E100", SurveyKind.MIDPOINT, False, 1
    ).payload
    assert isinstance(midpoint, SurveyAnswer) and midpoint.working_well is False

    with pytest.raises(forms.FormError) as caught:
        forms.parse_survey({"goals_achieved": "2"}, "E200", SurveyKind.FINAL, True, 1)
    assert set(caught.value.errors) == {"rating", "goals_achieved"}


def test_end_page_actions() -> None:
    assert isinstance(forms.parse_end({"action": "pause"}, "E200").payload, PauseRequest)
    assert isinstance(forms.parse_end({"action": "resume"}, "E200").payload, ResumeRequest)
    ended = forms.parse_end({"action": "end", "reason": "New role"}, "E200")
    assert ended.update == "end_early" and isinstance(ended.payload, EndRequest)
    with pytest.raises(forms.FormError) as caught:
        forms.parse_end({"action": "end"}, "E200")
    assert set(caught.value.errors) == {"reason"}


def test_review_needs_a_comment_to_ask_for_changes() -> None:
    agreed = forms.parse_review({"decision": "agree"}, "E100")
    assert agreed.update == "review_goals" and agreed.payload.agree is True  # type: ignore[attr-defined]
    with pytest.raises(forms.FormError):
        forms.parse_review({"decision": "changes", "comment": "  "}, "E100")
