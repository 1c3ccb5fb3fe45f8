"""The end-of-cohort report, computed from the store (the read model): match
rate, check-in response rate, mean value rating, goals reached, graduates,
early ends with their reasons, how many check-ins named an introduction, an
upcoming decision or a blocker, and the blockers still open in running pairs;
as JSON, CSV (one table a file) or a self-contained HTML page whose charts are
inline SVG (no script, prints well, opens offline)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel
from sqlalchemy import Row, select
from sqlalchemy.orm import Session, selectinload

from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.models import Role
from mentorflow.reporting.csv_cells import FORMULA_START, csv_text
from mentorflow.reporting.figures import cohort_figures
from mentorflow.settings import PROJECT_ROOT
from mentorflow.store import cohorts
from mentorflow.store.schema import (
    Application,
    CheckIn,
    CheckInResponse,
    Goal,
    Mentorship,
    SurveyResponse,
)

IN_POOL = {ApplicationStatus.APPROVED, ApplicationStatus.MATCHED, ApplicationStatus.WAITLISTED}
EARLY = {"ended_early", "participant_left", "declined", "not_started"}


class EarlyEnd(BaseModel):
    mentorship_id: str
    mentor: str
    mentee: str
    outcome: str
    reason: str


class OpenBlocker(BaseModel):
    """The latest blocker a running pair named, until a later check-in of the
    pair is answered without one."""

    mentorship_id: str
    mentor: str
    mentee: str
    named_by: str
    checkin: int
    named_on: date
    blocker: str


class CohortReport(BaseModel):
    cohort: str
    program_name: str
    generated_at: datetime
    applications: dict[str, int]
    mentees_in_pool: int
    mentees_matched: int
    match_rate: float | None
    pairs: int
    outcomes: dict[str, int]
    graduates: int
    checkins: int
    checkins_held: int
    answers: int
    response_rate: float | None
    mean_value: float | None
    value_ratings: dict[int, int]
    goals: int
    goals_reached: int
    milestones: int
    milestones_done: int
    survey_mean_rating: float | None
    would_mentor: dict[str, int]
    #: Check-ins (not answers) in which someone named an introduction made, an
    #: upcoming decision or a blocker: widening the network, and where HR can help.
    checkins_with_introductions: int = 0
    checkins_with_decisions: int = 0
    checkins_with_blockers: int = 0
    early_ends: list[EarlyEnd]
    open_blockers: list[OpenBlocker] = []


def build_report(session: Session, cohort_name: str, now: datetime) -> CohortReport:
    cohort = cohorts.get_cohort(session, cohort_name)
    if cohort is None:
        raise cohorts.UnknownCohort(f"no cohort {cohort_name!r}")
    applications = session.scalars(select(Application).where(Application.cohort == cohort_name))
    by_status: Counter[str] = Counter()
    pool: set[str] = set()
    for application in applications:
        by_status[application.status] += 1
        if application.role == Role.MENTEE.value and application.status in IN_POOL:
            pool.add(application.employee_id)
    pairs = session.scalars(
        select(Mentorship)
        .where(Mentorship.cohort == cohort_name)
        .options(
            selectinload(Mentorship.goals).selectinload(Goal.milestones),
            selectinload(Mentorship.mentor),
            selectinload(Mentorship.mentee),
        )
        .order_by(Mentorship.id)
    ).all()
    ids = [m.id for m in pairs]
    outcomes = Counter(m.outcome or "running" for m in pairs)
    checkins = session.scalars(select(CheckIn).where(CheckIn.mentorship_id.in_(ids))).all()
    answered = session.execute(
        select(CheckInResponse, CheckIn.mentorship_id, CheckIn.number)
        .join(CheckIn)
        .where(CheckIn.mentorship_id.in_(ids))
    ).all()
    answers = [row[0] for row in answered]
    values = [a.value for a in answers if a.value is not None]
    goals = [g for m in pairs for g in m.goals]
    milestones = [ms for g in goals for ms in g.milestones]
    surveys = session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.mentorship_id.in_(ids), SurveyResponse.kind == "final"
        )
    ).all()
    ratings = [s.rating for s in surveys]
    # The rates as the console's roll-up computes them (one definition).
    figures = cohort_figures(session, [cohort_name])[cohort_name]
    return CohortReport(
        cohort=cohort_name,
        program_name=cohort.program_name,
        generated_at=now,
        applications=dict(sorted(by_status.items())),
        mentees_in_pool=len(pool),
        mentees_matched=figures.matched_mentees,
        match_rate=figures.match_rate,
        pairs=len(pairs),
        outcomes=dict(sorted(outcomes.items())),
        graduates=outcomes.get("graduated", 0),
        checkins=len(checkins),
        checkins_held=sum(c.outcome == "held" for c in checkins),
        answers=len(answers),
        response_rate=figures.response_rate,
        mean_value=figures.mean_value,
        value_ratings={v: values.count(v) for v in range(1, 6)},
        goals=len(goals),
        goals_reached=sum(
            bool(g.milestones) and all(m.status == "done" for m in g.milestones) for g in goals
        ),
        milestones=len(milestones),
        milestones_done=sum(m.status == "done" for m in milestones),
        survey_mean_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        would_mentor=dict(Counter(s.would_mentor for s in surveys if s.would_mentor)),
        checkins_with_introductions=_checkins_naming(answers, "introductions"),
        checkins_with_decisions=_checkins_naming(answers, "upcoming_decisions"),
        checkins_with_blockers=_checkins_naming(answers, "blockers"),
        early_ends=[
            EarlyEnd(
                mentorship_id=m.id,
                mentor=m.mentor.name,
                mentee=m.mentee.name,
                outcome=m.outcome or "",
                reason=m.outcome_reason,
            )
            for m in pairs
            if m.outcome in EARLY
        ],
        open_blockers=_open_blockers([m for m in pairs if m.outcome is None], answered),
    )


def _checkins_naming(answers: Sequence[CheckInResponse], field: str) -> int:
    return len({a.checkin_id for a in answers if getattr(a, field).strip()})


def _open_blockers(
    running: Sequence[Mentorship], answered: Sequence[Row[tuple[CheckInResponse, str, int]]]
) -> list[OpenBlocker]:
    by_pair: defaultdict[str, list[tuple[int, CheckInResponse]]] = defaultdict(list)
    for answer, mentorship_id, number in answered:
        by_pair[mentorship_id].append((number, answer))
    found = []
    for pair in running:
        answers = sorted(by_pair[pair.id], key=lambda na: (na[0], na[1].submitted_at))
        named = [(n, a) for n, a in answers if a.blockers.strip()]
        if not named:
            continue
        number, latest = named[-1]
        if any(n > number and not a.blockers.strip() for n, a in answers):
            continue  # a later check-in was answered without a blocker: it was solved
        found.append(
            OpenBlocker(
                mentorship_id=pair.id,
                mentor=pair.mentor.name,
                mentee=pair.mentee.name,
                named_by=pair.mentor.name
                if latest.participant_id == pair.mentor_id
                else pair.mentee.name,
                checkin=number,
                named_on=latest.submitted_at.date(),
                blocker=latest.blockers.strip(),
            )
        )
    return found


def to_json(report: CohortReport) -> str:
    return report.model_dump_json(indent=2)


__all__ = ["CSV_TABLES", "FORMULA_START", "build_report", "to_csv", "to_html", "to_json"]

#: ``--table`` of ``mentorflow report --format csv``: one table a file, so a
#: spreadsheet or ``csv.DictReader`` reads each with its own header.
CSV_TABLES = ("summary", "early-ends", "blockers")


def _summary_rows(report: CohortReport) -> list[list[object]]:
    """One ``metric,value`` row per figure; a breakdown as ``name.key`` rows."""
    rows: list[list[object]] = [["metric", "value"]]
    for name, value in report.model_dump(mode="json").items():
        if isinstance(value, list):
            continue  # the tables of people, each its own CSV
        if isinstance(value, dict):
            rows += [[f"{name}.{key}", count] for key, count in value.items()]
        else:
            rows.append([name, value])
    return rows


def _early_end_rows(report: CohortReport) -> list[list[object]]:
    rows: list[list[object]] = [["mentorship_id", "mentor", "mentee", "outcome", "reason"]]
    rows += [[e.mentorship_id, e.mentor, e.mentee, e.outcome, e.reason] for e in report.early_ends]
    return rows


def _blocker_rows(report: CohortReport) -> list[list[object]]:
    rows: list[list[object]] = [
        ["mentorship_id", "mentor", "mentee", "named_by", "checkin", "named_on", "blocker"]
    ]
    rows += [
        [
            b.mentorship_id,
            b.mentor,
            b.mentee,
            b.named_by,
            b.checkin,
            b.named_on.isoformat(),
            b.blocker,
        ]
        for b in report.open_blockers
    ]
    return rows


def to_csv(report: CohortReport, table: str = "summary") -> str:
    """One of ``CSV_TABLES`` as CSV: ``summary`` (``metric,value``),
    ``early-ends`` (one row a pair that ended early, with the reason) or
    ``blockers`` (the open blockers of running pairs)."""
    tables = {"summary": _summary_rows, "early-ends": _early_end_rows, "blockers": _blocker_rows}
    if table not in tables:
        raise ValueError(f"no CSV table {table!r}: choose {', '.join(CSV_TABLES)}")
    return csv_text(tables[table](report))


def to_html(report: CohortReport) -> str:
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates" / "report"),
        autoescape=select_autoescape(["html"]),
    )
    return env.get_template("cohort.html").render(report=report)
