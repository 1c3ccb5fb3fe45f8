"""The demo: its script, the forms its simulated people send (checked against the
web app's own parsers, the contract they share), and a short cohort run end to
end through ``mentorflow demo`` (real dev server, worker, web app, sink)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import httpx
import pytest
import yaml
from rich.console import Console

from mentorflow.demo.display import ActivityLog
from mentorflow.demo.participants import (
    PairScript,
    SimulatedParticipant,
    goals_form,
    milestone_progress,
)
from mentorflow.demo.plan import DEFAULT_PLAN, DemoPair, DemoPlan, PlanError, load_plan
from mentorflow.links import LinkSigner
from mentorflow.models import (
    CheckInAnswer,
    GoalProposal,
    GoalReview,
    MeetingStatus,
    MentorshipSnapshot,
    MilestoneStatus,
    Outcome,
    Phase,
    Role,
    SurveyAnswer,
    SurveyKind,
    WouldMentor,
)
from mentorflow.web import forms
from tests.conftest import free_port

MENTORFLOW = Path(sys.executable).parent / "mentorflow"


@pytest.fixture(scope="module")
def plan() -> DemoPlan:
    return load_plan(DEFAULT_PLAN)


def test_the_demo_tells_every_story(plan: DemoPlan) -> None:
    assert 5 <= len(plan.pairs) <= 6
    assert plan.checkins_planned == 6
    assert plan.program.cadence_period.total_seconds() < 60, "a demo runs in seconds"
    zones = {p.timezone for pair in plan.pairs for p in (pair.mentor, pair.mentee)}
    assert len(zones) >= 8
    assert any(_misses_in_a_row(pair) >= plan.program.at_risk_streak for pair in plan.pairs), (
        "one pair misses enough check-ins in a row for the at-risk alert"
    )
    assert any(pair.mentor.behaviour.asks_for_goal_changes for pair in plan.pairs)
    assert any(pair.mentee.behaviour.rescheduled_checkins for pair in plan.pairs)
    assert any(pair.expect is Outcome.ENDED_EARLY for pair in plan.pairs)
    assert any(pair.mentee.behaviour.pauses_after_checkin for pair in plan.pairs)


def _misses_in_a_row(pair: DemoPair) -> int:
    """Longest run of check-ins that neither side answers."""
    both = set(pair.mentor.behaviour.skips_checkins) & set(pair.mentee.behaviour.skips_checkins)
    return max(
        (n - start + 1 for start in both for n in both if set(range(start, n + 1)) <= both),
        default=0,
    )


def test_broken_plans_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="cannot read"):
        load_plan(tmp_path / "missing.yaml")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("program: [unclosed\n")
    with pytest.raises(PlanError, match="not valid YAML"):
        load_plan(bad_yaml)
    bad_zone = tmp_path / "zone.yaml"
    raw = yaml.safe_load(DEFAULT_PLAN.read_text())
    raw["pairs"][0]["mentee"]["timezone"] = "Mars/Olympus_Mons"
    bad_zone.write_text(yaml.safe_dump(raw))
    with pytest.raises(PlanError, match="unknown time zone"):
        load_plan(bad_zone)


def test_milestones_progress_to_done_by_the_last_checkin(plan: DemoPlan) -> None:
    goals = [g.goal(date.today()) for g in plan.pairs[0].goals]
    first = milestone_progress(goals, 1, 6)
    last = milestone_progress(goals, 6, 6)
    assert set(first) == set(last) == {"m_0_0", "m_0_1", "m_0_2", "m_1_0", "m_1_1"}
    assert "in_progress" in first.values()
    assert set(last.values()) == {"done"}
    done = [sum(v == "done" for v in milestone_progress(goals, n, 6).values()) for n in range(7)]
    assert done == sorted(done), "progress never goes backwards"


def _snapshot(plan: DemoPlan, index: int) -> MentorshipSnapshot:
    pair = plan.pairs[index]
    return MentorshipSnapshot(
        mentorship_id="mentorship:test:a:b",
        cohort="test",
        phase=Phase.CHECKINS,
        paused=False,
        mentor=pair.mentor.participant(),
        mentee=pair.mentee.participant(),
        confirmed=[],
        goals=[g.goal(date.today()) for g in pair.goals],
        goals_proposed=True,
        checkins=[],
        checkins_held=0,
        checkins_missed=0,
        missed_streak=0,
        at_risk=False,
        surveys=[],
        next_event_at=None,
    )


def _person(
    plan: DemoPlan, index: int, role: Role, http: httpx.AsyncClient
) -> SimulatedParticipant:
    pair = plan.pairs[index]
    script = PairScript(pair, "mentorship:test:a:b", plan.checkins_planned)
    script.goals = [g.goal(date.today()) for g in pair.goals]
    person = pair.mentor if role is Role.MENTOR else pair.mentee
    return SimulatedParticipant(
        person,
        role,
        script,
        http=http,
        signer=LinkSigner("test"),
        journal=plan.journal,
        log=ActivityLog(Console(quiet=True), echo=False),
    )


async def test_demo_forms_are_what_the_web_app_accepts(plan: DemoPlan) -> None:
    """The simulated people fill in the same fields a browser sends: every body
    they produce parses, with the web app's own parser, into the intended update."""
    async with httpx.AsyncClient() as http:
        for index, pair in enumerate(plan.pairs):
            snapshot = _snapshot(plan, index)
            goals = snapshot.goals
            proposal = forms.parse_goals(goals_form(goals), pair.mentee.employee_id, date.today())
            assert isinstance(proposal.payload, GoalProposal)
            assert proposal.payload.goals == goals

            for role in (Role.MENTOR, Role.MENTEE):
                person = _person(plan, index, role, http)
                by = person.person.employee_id
                for number in range(1, plan.checkins_planned + 1):
                    action = forms.parse_checkin(person.checkin_form(number), by, number, snapshot)
                    answer = action.payload
                    assert isinstance(answer, CheckInAnswer)
                    rescheduled = number in person.behaviour.rescheduled_checkins
                    assert answer.met is (
                        MeetingStatus.RESCHEDULED if rescheduled else MeetingStatus.YES
                    )
                    assert len(answer.milestone_progress) == sum(len(g.milestones) for g in goals)
                assert set(answer.milestone_progress.values()) == {MilestoneStatus.DONE}

                for kind in SurveyKind:
                    survey = forms.parse_survey(
                        person.survey_form(kind.value), by, kind, role is Role.MENTEE, len(goals)
                    ).payload
                    assert isinstance(survey, SurveyAnswer)
                    assert survey.rating == person.behaviour.rating
                    if kind is SurveyKind.FINAL and role is Role.MENTEE:
                        assert isinstance(survey.would_mentor, WouldMentor)


def test_demo_review_and_end_forms_parse(plan: DemoPlan) -> None:
    picky = next(p for p in plan.pairs if p.mentor.behaviour.asks_for_goal_changes)
    comment = picky.mentor.behaviour.asks_for_goal_changes
    review = forms.parse_review({"decision": "changes", "comment": comment}, "m").payload
    assert isinstance(review, GoalReview)
    assert review.agree is False
    leaver = next(p for p in plan.pairs if p.mentee.behaviour.ends_early_at_checkin)
    end = forms.parse_end({"action": "end", "reason": leaver.mentee.behaviour.end_reason}, "x")
    assert end.update == "end_early"
    assert forms.parse_end({"action": "pause", "reason": "launch"}, "x").update == "pause"
    assert forms.parse_end({"action": "resume", "reason": ""}, "x").update == "resume"


SHORT_PROGRAM = {
    "cadence": "PT8S",
    "duration": "PT24S",
    "introduction_timeout": "PT30S",
    "goals_timeout": "PT30S",
    "checkin_window": "PT6S",
    "survey_window": "PT20S",
}


def test_a_short_demo_cohort_runs_to_its_outcomes(tmp_path: Path) -> None:
    """``mentorflow demo`` end to end with three check-ins per pair: a diligent
    pair, a mentor who asks for changes, and a mentee who ends early."""
    raw = yaml.safe_load(DEFAULT_PLAN.read_text())
    raw["program"].update(SHORT_PROGRAM)
    raw["pairs"] = [raw["pairs"][0], raw["pairs"][1], raw["pairs"][4]]
    raw["pairs"][2]["mentee"]["behaviour"]["ends_early_at_checkin"] = 2
    short = tmp_path / "short.yaml"
    short.write_text(yaml.safe_dump(raw))
    web_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    env |= {
        "MENTORFLOW_VAR_DIR": str(tmp_path / "var"),
        "MENTORFLOW_TEMPORAL_DEV_PORT": str(free_port()),
        "MENTORFLOW_WEB_PORT": str(web_port),
        "MENTORFLOW_BASE_URL": f"http://127.0.0.1:{web_port}",
        "MENTORFLOW_SMTP_PORT": str(free_port()),
        "COLUMNS": "160",
    }
    result = subprocess.run(
        [str(MENTORFLOW), "demo", "--file", str(short), "--no-ui", "--deadline", "150"],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Every pair reached its outcome." in output
    assert "asked for changes to the goals" in output
    assert "ended the mentorship early" in output
    assert "answered the final survey" in output
    assert "graduated" in output and "ended early" in output
