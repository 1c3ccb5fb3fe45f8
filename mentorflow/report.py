"""The end-of-cohort report, computed from the store (the read model): match
rate, check-in response rate, mean value rating, goals reached, graduates and
early ends with their reasons; as JSON, CSV or a self-contained HTML page
whose charts are inline SVG (no script, prints well, opens offline)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime

from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mentorflow.cohort_states import ApplicationStatus
from mentorflow.models import Role
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
    early_ends: list[EarlyEnd]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


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
    answers = session.scalars(
        select(CheckInResponse).join(CheckIn).where(CheckIn.mentorship_id.in_(ids))
    ).all()
    values = [a.value for a in answers if a.value is not None]
    goals = [g for m in pairs for g in m.goals]
    milestones = [ms for g in goals for ms in g.milestones]
    surveys = session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.mentorship_id.in_(ids), SurveyResponse.kind == "final"
        )
    ).all()
    ratings = [s.rating for s in surveys]
    matched = session.scalar(
        select(func.count(func.distinct(Mentorship.mentee_id))).where(
            Mentorship.cohort == cohort_name
        )
    )
    return CohortReport(
        cohort=cohort_name,
        program_name=cohort.program_name,
        generated_at=now,
        applications=dict(sorted(by_status.items())),
        mentees_in_pool=len(pool),
        mentees_matched=matched or 0,
        match_rate=_ratio(matched or 0, len(pool)),
        pairs=len(pairs),
        outcomes=dict(sorted(outcomes.items())),
        graduates=outcomes.get("graduated", 0),
        checkins=len(checkins),
        checkins_held=sum(c.outcome == "held" for c in checkins),
        answers=len(answers),
        # Each check-in asks both people.
        response_rate=_ratio(len(answers), 2 * len(checkins)),
        mean_value=round(sum(values) / len(values), 2) if values else None,
        value_ratings={v: values.count(v) for v in range(1, 6)},
        goals=len(goals),
        goals_reached=sum(
            bool(g.milestones) and all(m.status == "done" for m in g.milestones) for g in goals
        ),
        milestones=len(milestones),
        milestones_done=sum(m.status == "done" for m in milestones),
        survey_mean_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        would_mentor=dict(Counter(s.would_mentor for s in surveys if s.would_mentor)),
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
    )


def to_json(report: CohortReport) -> str:
    return report.model_dump_json(indent=2)


def to_csv(report: CohortReport) -> str:
    """One ``metric,value`` row per figure, then the early ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["metric", "value"])
    for name, value in report.model_dump(mode="json", exclude={"early_ends"}).items():
        if isinstance(value, dict):
            for key, count in value.items():
                writer.writerow([f"{name}.{key}", count])
        else:
            writer.writerow([name, "" if value is None else value])
    writer.writerow([])
    writer.writerow(["mentorship_id", "mentor", "mentee", "outcome", "reason"])
    for end in report.early_ends:
        writer.writerow([end.mentorship_id, end.mentor, end.mentee, end.outcome, end.reason])
    return out.getvalue()


def to_html(report: CohortReport) -> str:
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates" / "report"),
        autoescape=select_autoescape(["html"]),
    )
    return env.get_template("cohort.html").render(report=report)
