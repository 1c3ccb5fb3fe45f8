"""The demo: its script, how it casts matched pairs into stories, the forms its
simulated people send (checked against the web app's own parsers, the
contract they share), how mail reaches them, and a short cohort run end to
end through ``mentorflow demo`` (real dev server, worker, web app, sink)."""

from __future__ import annotations

import asyncio
import csv
import mailbox
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
import yaml
from rich.console import Console

from mentorflow.demo.applicants import decision_form, withdraw_form
from mentorflow.demo.display import ActivityLog
from mentorflow.demo.mailroom import Mailroom
from mentorflow.demo.participants import (
    Mail,
    PairScript,
    SimulatedParticipant,
    goals_form,
    milestone_progress,
)
from mentorflow.demo.plan import DEFAULT_PLAN, Behaviour, DemoPair, DemoPlan, PlanError, load_plan
from mentorflow.demo.proposal_view import weakest_pair
from mentorflow.demo.stories import Colleague, cast, goals_from_application, story_slots
from mentorflow.links import LinkSigner
from mentorflow.matching import MatchingResult
from mentorflow.matching.model import MatchedPair
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
from mentorflow.web.participant import forms
from mentorflow.web.participant.application_forms import parse_decision, parse_withdraw
from tests.conftest import free_port

MENTORFLOW = Path(sys.executable).parent / "mentorflow"
EXAMPLES = DEFAULT_PLAN.parent


@pytest.fixture(scope="module")
def plan() -> DemoPlan:
    return load_plan(DEFAULT_PLAN)


@pytest.fixture(scope="module")
def people() -> dict[str, Colleague]:
    with (EXAMPLES / "directory.csv").open(encoding="utf-8") as file:
        return {
            row["employee_id"]: Colleague(
                row["employee_id"], row["name"], row["email"], row["timezone"], row["title"]
            )
            for row in csv.DictReader(file)
        }


#: Ten pairs of the example organisation; E020 mentors two mentees, and E022
#: (who applies as both) is a mentee here and a mentor there.
PAIRS = [
    ("E009", "E012"),
    ("E020", "E024"),
    ("E020", "E023"),
    ("E022", "E025"),
    ("E014", "E015"),
    ("E032", "E037"),
    ("E010", "E013"),
    ("E009", "E022"),
    ("E046", "E048"),
    ("E052", "E053"),
]


def _misses_in_a_row(mentor: Behaviour, mentee: Behaviour) -> int:
    """Longest run of check-ins that neither side answers."""
    both = set(mentor.skips_checkins) & set(mentee.skips_checkins)
    return max(
        (n - start + 1 for start in both for n in both if set(range(start, n + 1)) <= both),
        default=0,
    )


def test_the_demo_tells_every_story(plan: DemoPlan) -> None:
    program = plan.program
    assert plan.checkins_planned == 6
    assert program.cadence_period.total_seconds() < 60, "a demo runs in seconds"
    assert program.manager_approval.required
    assert program.manager_approval.timeout.total_seconds() <= 30
    assert plan.managers.decline and plan.managers.silent and plan.withdraw
    stories = plan.stories
    assert any(_misses_in_a_row(s.mentor, s.mentee) >= program.at_risk_streak for s in stories), (
        "one story misses enough check-ins in a row for the at-risk alert"
    )
    assert any(s.mentor.asks_for_goal_changes and s.revision for s in stories)
    assert any(s.mentee.rescheduled_checkins for s in stories)
    assert any(s.mentee.answers_after_reminder for s in stories)
    assert any(s.expect is Outcome.ENDED_EARLY and s.mentee.ends_early_at_checkin for s in stories)
    assert any(s.mentee.pauses_after_checkin for s in stories)
    # Every check-in a story refers to exists in the program.
    for story in stories:
        for behaviour in (story.mentor, story.mentee):
            numbers = [*behaviour.skips_checkins, *behaviour.rescheduled_checkins]
            numbers += [behaviour.ends_early_at_checkin or 1, behaviour.pauses_after_checkin or 1]
            assert all(1 <= n <= plan.checkins_planned for n in numbers), story.title
    # The scripted people apply in the demo's applications file.
    with plan.applications.open(encoding="utf-8") as file:
        applying = {row["employee_id"] for row in csv.DictReader(file)}
    scripted = {*plan.managers.decline, *plan.managers.silent, *plan.withdraw}
    assert scripted <= applying


def _write_plan(tmp_path: Path, change: dict[str, object]) -> Path:
    raw = yaml.safe_load(DEFAULT_PLAN.read_text())
    for key in ("program", "directory", "applications"):
        raw[key] = str(EXAMPLES / raw[key])
    raw.update(change)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True))
    return path


def test_broken_plans_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match=r"missing\.yaml:1: cannot read the file"):
        load_plan(tmp_path / "missing.yaml")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("cohort_prefix: demo\nprogram: [unclosed\n")
    with pytest.raises(PlanError, match=r"bad\.yaml:3: YAML syntax"):
        load_plan(bad_yaml)
    with pytest.raises(
        PlanError, match=r"plan\.yaml:\d+: applications: .*nowhere\.csv is not a file"
    ):
        load_plan(_write_plan(tmp_path, {"applications": str(tmp_path / "nowhere.csv")}))
    typo = _write_plan(tmp_path, {"withdrawals": {"E017": "Moving"}})
    with pytest.raises(PlanError, match=r"plan\.yaml:\d+: withdrawals: unknown field"):
        load_plan(typo)
    bad_program = tmp_path / "program.yaml"
    bad_program.write_text("name: Demo\nprogram_manager_email: hr@example.com\ncadence: 20\n")
    with pytest.raises(PlanError, match=r"program\.yaml:3: cadence"):
        load_plan(_write_plan(tmp_path, {"program": str(bad_program)}))
    twice = {"decline": {"E016": "no"}, "silent": ["E016"]}
    with pytest.raises(PlanError, match=r"plan\.yaml:\d+: E016: more than one scripted answer"):
        load_plan(_write_plan(tmp_path, {"managers": twice}))
    lazy_review = [{"title": "Picky", "mentor": {"asks_for_goal_changes": "More!"}}]
    with pytest.raises(PlanError, match="needs a `revision`"):
        load_plan(_write_plan(tmp_path, {"stories": lazy_review}))


def test_stories_are_cast_in_mentee_order_and_the_first_takes_the_rest(
    plan: DemoPlan, people: dict[str, Colleague]
) -> None:
    goals = {"E012": "Get better at system design; own the next platform component"}
    pairs = cast(PAIRS, people, goals, plan)
    # In mentee order, but for the mentor who leaves: their story goes to a
    # pair whose mentor is in no other pair (one swap), so no other story ends.
    in_order = sorted(m for _, m in PAIRS)
    moved = [i for i, p in enumerate(pairs) if p.mentee.employee_id != in_order[i]]
    assert len(moved) in (0, 2)
    leaving = next(p for p in pairs if p.mentor.behaviour.leaves_after_checkin)
    assert leaving.expect is Outcome.PARTICIPANT_LEFT
    member = [
        p
        for p in pairs
        if leaving.mentor.employee_id in (p.mentor.employee_id, p.mentee.employee_id)
    ]
    assert member == [leaving]
    expected = [s.title for s in story_slots(plan.stories, len(PAIRS))]
    assert [p.story for p in pairs] == expected
    assert {p.story for p in pairs} == {s.title for s in plan.stories}
    assert expected[len(plan.stories) :] == [plan.stories[0].title] * (
        len(PAIRS) - len(plan.stories)
    )
    # The same proposal in another order gives the same cast.
    assert cast(list(reversed(PAIRS)), people, goals, plan) == pairs
    # A mentor of two mentees acts in each pair with that pair's story.
    ben = [p for p in pairs if p.mentor.employee_id == "E020"]
    assert len(ben) == 2 and ben[0].mentor.behaviour != ben[1].mentor.behaviour
    # Someone applying as both is a mentee in one pair and a mentor in another.
    assert {"E022"} <= {p.mentee.employee_id for p in pairs} & {p.mentor.employee_id for p in pairs}
    ends_early = next(p for p in pairs if p.expect is Outcome.ENDED_EARLY)
    assert ends_early.mentee.behaviour.ends_early_at_checkin
    picky = next(p for p in pairs if p.mentor.behaviour.asks_for_goal_changes)
    assert picky.revised_goals is not None
    assert all(
        len(r.milestones) == len(g.milestones) + 1
        for g, r in zip(picky.goals, picky.revised_goals, strict=True)
    )


def test_goals_come_from_the_application(plan: DemoPlan, people: dict[str, Colleague]) -> None:
    jonas = people["E009"]
    goals = goals_from_application(
        "get better at system design and Kubernetes; own the next platform component end to end.",
        jonas,
        plan.milestones,
    )
    assert [g.title for g in goals] == [
        "Get better at system design and Kubernetes",
        "Own the next platform component end to end",
    ]
    assert goals[0].milestones[0].title == "Agree the first step with Jonas"
    assert len(goals_from_application("a; b; c; d; e", jonas, plan.milestones)) == 3
    (fallback,) = goals_from_application("  ", jonas, plan.milestones)
    assert fallback.title and fallback.milestones


def test_milestones_progress_to_done_by_the_last_checkin(
    plan: DemoPlan, people: dict[str, Colleague]
) -> None:
    drafts = goals_from_application("one; two", people["E009"], plan.milestones)
    goals = [g.goal(date.today()) for g in drafts]
    first = milestone_progress(goals, 1, 6)
    last = milestone_progress(goals, 6, 6)
    assert set(first) == set(last) == {"m_0_0", "m_0_1", "m_1_0", "m_1_1"}
    assert "in_progress" in first.values()
    assert set(last.values()) == {"done"}
    done = [sum(v == "done" for v in milestone_progress(goals, n, 6).values()) for n in range(7)]
    assert done == sorted(done), "progress never goes backwards"


def _snapshot(pair: DemoPair) -> MentorshipSnapshot:
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
    plan: DemoPlan, pair: DemoPair, role: Role, http: httpx.AsyncClient
) -> SimulatedParticipant:
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


async def test_demo_forms_are_what_the_web_app_accepts(
    plan: DemoPlan, people: dict[str, Colleague]
) -> None:
    """The simulated people fill in the same fields a browser sends: every body
    they produce parses, with the web app's own parser, into the intended update."""
    goals = {mentee: "Learn system design; write better design docs" for _, mentee in PAIRS}
    async with httpx.AsyncClient() as http:
        for pair in cast(PAIRS[: len(plan.stories)], people, goals, plan):
            snapshot = _snapshot(pair)
            proposal = forms.parse_goals(
                goals_form(snapshot.goals), pair.mentee.employee_id, date.today()
            )
            assert isinstance(proposal.payload, GoalProposal)
            assert proposal.payload.goals == snapshot.goals

            for role in (Role.MENTOR, Role.MENTEE):
                person = _person(plan, pair, role, http)
                by = person.person.employee_id
                for number in range(1, plan.checkins_planned + 1):
                    action = forms.parse_checkin(person.checkin_form(number), by, number, snapshot)
                    answer = action.payload
                    assert isinstance(answer, CheckInAnswer)
                    rescheduled = number in person.behaviour.rescheduled_checkins
                    assert answer.met is (
                        MeetingStatus.RESCHEDULED if rescheduled else MeetingStatus.YES
                    )
                    milestones = sum(len(g.milestones) for g in snapshot.goals)
                    assert len(answer.milestone_progress) == milestones
                assert set(answer.milestone_progress.values()) == {MilestoneStatus.DONE}

                for kind in SurveyKind:
                    survey = forms.parse_survey(
                        person.survey_form(kind.value),
                        by,
                        kind,
                        role is Role.MENTEE,
                        len(snapshot.goals),
                    ).payload
                    assert isinstance(survey, SurveyAnswer)
                    assert survey.rating == person.behaviour.rating
                    if kind is SurveyKind.FINAL and role is Role.MENTEE:
                        assert isinstance(survey.would_mentor, WouldMentor)


def test_review_end_approval_and_withdraw_forms_parse(plan: DemoPlan) -> None:
    picky = next(s for s in plan.stories if s.mentor.asks_for_goal_changes)
    comment = picky.mentor.asks_for_goal_changes
    review = forms.parse_review({"decision": "changes", "comment": comment}, "m").payload
    assert isinstance(review, GoalReview)
    assert review.agree is False
    leaver = next(s for s in plan.stories if s.mentee.ends_early_at_checkin)
    end = forms.parse_end({"action": "end", "reason": leaver.mentee.end_reason}, "x")
    assert end.update == "end_early"
    assert forms.parse_end({"action": "pause", "reason": "launch"}, "x").update == "pause"
    assert forms.parse_end({"action": "resume", "reason": ""}, "x").update == "resume"

    approval = parse_decision(decision_form(None), "E008")
    assert approval.approve is True and approval.by == "E008"
    reason = next(iter(plan.managers.decline.values()))
    refusal = parse_decision(decision_form(reason), "E008")
    assert refusal.approve is False and refusal.reason == reason
    reason = next(iter(plan.withdraw.values()))
    assert parse_withdraw(withdraw_form(reason), "E017").reason == reason


def test_the_weakest_pair_is_dropped_and_never_the_only_one() -> None:
    def pair(mentor: str, mentee: str, score: float) -> MatchedPair:
        return MatchedPair(mentor_id=mentor, mentee_id=mentee, score=score, explanation=[])

    def result(pairs: list[MatchedPair]) -> MatchingResult:
        return MatchingResult(
            engine_version="test",
            input_digest="x",
            pairs=pairs,
            unmatched_mentees=[],
            mentors_with_capacity=[],
            matched_count=len(pairs),
            total_score=sum(p.score for p in pairs),
        )

    tied = [pair("M2", "E2", 0.5), pair("M1", "E3", 0.5), pair("M1", "E1", 1.5)]
    assert weakest_pair(result(tied)) == tied[1]
    assert weakest_pair(result(tied[:1])) is None


def _mail(to: str, subject: str, link: str) -> bytes:
    message = EmailMessage()
    message["To"] = to
    message["From"] = "mentorflow <mentorflow@localhost>"
    message["Subject"] = subject
    message.set_content(f"Hello,\n\nPlease answer: {link}\n")
    message.add_alternative(f"<p><a href='{link}'>answer</a></p>", subtype="html")
    return message.as_bytes()


async def test_the_mailroom_delivers_new_mail_once_to_every_role(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    box = mailbox.Maildir(maildir, create=True)
    log = ActivityLog(Console(quiet=True), echo=False)
    room = Mailroom(maildir, log, watched={"hr@example.com": "HR"})
    as_mentor: asyncio.Queue[Mail] = asyncio.Queue()
    as_manager: asyncio.Queue[Mail] = asyncio.Queue()
    room.subscribe("Ben.Carter@example.com", as_mentor)
    room.subscribe("ben.carter@example.com", as_manager)
    box.add(_mail("Ben Carter <ben.carter@example.com>", "Check-in 1", "http://x/l/checkin/abc"))
    box.add(_mail("hr@example.com", "At risk: a pair", "http://x/l/hr/def"))
    await room.collect()
    await room.collect()  # nothing new: nothing delivered twice
    assert room.delivered == 2
    for inbox in (as_mentor, as_manager):
        assert inbox.qsize() == 1
        mail = inbox.get_nowait()
        assert mail.subject == "Check-in 1"
        assert mail.links == ["http://x/l/checkin/abc"]
    assert any("HR received: At risk: a pair" in str(line) for line in log.lines)
    box.add(_mail("ben.carter@example.com", "Check-in 2", "http://x/l/checkin/ghi"))
    await room.collect()
    assert as_mentor.get_nowait().subject == "Check-in 2"


SHORT_PROGRAM = {
    "cadence": "PT6S",
    "duration": "PT12S",
    "introduction_timeout": "PT30S",
    "goals_timeout": "PT30S",
    "checkin_window": "PT4S",
    "survey_window": "PT20S",
    "manager_approval": {"required": True, "timeout": "PT4S", "on_timeout": "approve"},
}
#: Three mentors, an ineligible mentee (People is not in the program), one
#: whose manager declines, one whose manager is silent, one who withdraws.
SHORT_APPLICATIONS = """\
employee_id,role,capacity,expertise,goals,interests,preferred_cadence,languages,mentor_preferences,notes
E009,mentor,2,"Distributed systems, Kubernetes, API design",,,biweekly,English,,
E020,mentor,2,"System design, design docs, staff engineering",,,biweekly,English,,
E032,mentor,1,"Machine learning, statistics, data pipelines",,,biweekly,English,,
E012,mentee,,,Get better at system design and Kubernetes,,biweekly,English,E009,
E023,mentee,,,Learn system design; prepare a talk for the all-hands,,biweekly,English,E020,
E035,mentee,,,Design streaming pipelines and learn data modelling,,biweekly,English,E032,
E029,mentee,,,Learn release engineering and testing strategies,,biweekly,English,,
E016,mentee,,,Write my first postmortem,,biweekly,English,,
E017,mentee,,,Learn site reliability,,weekly,English,,
E060,mentee,,,Understand how engineers grow,,monthly,English,,
"""


def test_a_short_demo_cohort_runs_to_its_report(tmp_path: Path) -> None:
    """``mentorflow demo`` end to end on a small cohort with two check-ins per
    pair: applications (one ineligible, one declined by the manager, one left
    to the timeout, one withdrawn), matching, HR's override and approval, and
    three pairs (diligent, asks for changes, ends early) to the report."""
    raw = yaml.safe_load(DEFAULT_PLAN.read_text())
    program = yaml.safe_load((EXAMPLES / raw["program"]).read_text())
    program.update(SHORT_PROGRAM)
    (tmp_path / "program.yaml").write_text(yaml.safe_dump(program))
    (tmp_path / "applications.csv").write_text(SHORT_APPLICATIONS)
    stories = raw["stories"]
    leaver = next(s for s in stories if s.get("expect") == "ended_early")
    leaver["mentee"]["ends_early_at_checkin"] = 2
    picky = next(s for s in stories if "revision" in s)
    raw |= {
        "cohort_prefix": "short",
        "program": "program.yaml",
        "directory": str(EXAMPLES / "directory.csv"),
        "applications": "applications.csv",
        "managers": {"decline": {"E016": "Busy quarter."}, "silent": ["E029"]},
        "withdraw": {"E017": "Changing teams."},
        "stories": [stories[0], picky, leaver],
    }
    short = tmp_path / "short.yaml"
    short.write_text(yaml.safe_dump(raw, allow_unicode=True))
    web_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORFLOW_")}
    var = tmp_path / "var"
    env |= {
        "MENTORFLOW_VAR_DIR": str(var),
        "MENTORFLOW_TEMPORAL_DEV_PORT": str(free_port()),
        "MENTORFLOW_WEB_PORT": str(web_port),
        "MENTORFLOW_BASE_URL": f"http://127.0.0.1:{web_port}",
        "MENTORFLOW_SMTP_PORT": str(free_port()),
        "MENTORFLOW_OIDC_DEV_PORT": str(free_port()),
    }
    started = datetime.now(UTC)
    result = subprocess.run(
        [str(MENTORFLOW), "demo", "--file", str(short), "--no-ui", "--deadline", "100"],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ineligible: As a mentee: Department People is not part of this program" in output
    assert "declined Nora's application: Busy quarter." in output
    assert "did not object in time" in output
    assert "Kwame withdrew the application: Changing teams." in output
    assert "Matching proposal: 4 of 4 mentees matched" in output
    assert "HR drops" in output and "HR: Approved: 3 pairs start now." in output
    assert "asked for changes to" in output
    assert "ended the mentorship early" in output
    assert "answered the final survey" in output
    assert "Every pair reached its outcome." in output
    # HR hears of the early end in the day's digest, which the demo sends at its end.
    assert "HR's daily digest of" in output and "notice(s) in one email" in output, output
    assert "HR received:" in output and "HR notice" in output
    reports = list((var / "demo").glob("report-short-*.html"))
    assert len(reports) == 1, output
    assert reports[0].stat().st_mtime > started.timestamp()
    html = reports[0].read_text()
    assert "<svg" in html and "I moved to another team" in html  # charts, the early end
    assert "Cohort report: short-" in output
    assert "Graduates" in output and "2 of 3 pairs" in output
    # It ends with where HR reads the cohort, and, not run in a terminal, ends
    # on its own (the run above returned) instead of waiting for Ctrl-C.
    ending = result.stdout.rstrip().splitlines()[-2:]
    assert ending[0] == f"HR console: http://127.0.0.1:{web_port}/hr", result.stdout
    assert "click rosa.delgado@northwind.example (the example program's manager)" in ending[1]
    assert "Ctrl-C stops it" not in output
