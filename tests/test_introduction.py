"""The introduction tells each side who the other is and why they were paired:
the plain-words explanation built from the matching criteria, the facts in the
introduction emails, and a cohort's pairs starting with them."""

from __future__ import annotations

import csv
from typing import Any

from sqlalchemy import select
from temporalio.client import WorkflowHandle

from mentorflow.cohorts.models import CloseRequest, ReviewDecision
from mentorflow.cohorts.states import CohortStatus
from mentorflow.introduction import introduction, why_paired
from mentorflow.mail.render import render_email
from mentorflow.matching import CriterionScore, MatchingResult
from mentorflow.matching.model import Criterion
from mentorflow.models import PartnerFacts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import MatchingRun
from tests.conftest import SmtpServer
from tests.test_cohort_lifecycle import EXAMPLES, cohort, until_status  # noqa: F401
from tests.test_email_render import context_for
from workflows.cohort import CohortWorkflow

ANA = PartnerFacts(
    title="Staff Engineer",
    department="Platform",
    expertise="Kubernetes, hiring and incident reviews",
    languages=["English", "Portuguese"],
)
BEN = PartnerFacts(
    title="Software Engineer",
    department="Payments",
    goals="Get better at hiring and run Kubernetes in production",
    interests="Public speaking",
    languages=["portuguese", "Spanish"],
)


def score(criterion: Criterion, raw: float | None, value: float, **extra: Any) -> CriterionScore:
    return CriterionScore(
        criterion=criterion, raw=raw, value=value, weight=1.0, contribution=value, text="", **extra
    )


EXPLANATION = [
    score(Criterion.EXPERTISE, 0.4, 0.4, terms=["kubernetes", "hiring"]),
    score(Criterion.SENIORITY, 2, 1.0),
    score(Criterion.CROSS_DEPARTMENT, 1, 1.0),
    score(Criterion.PREFERENCE, None, 0.0),
]


def test_the_explanation_in_plain_words() -> None:
    why = why_paired(
        mentor_name="Ana Lima",
        mentee_name="Ben Costa",
        mentor=ANA,
        mentee=BEN,
        explanation=EXPLANATION,
    )
    assert why == (
        "You were paired because Ana's expertise in Kubernetes and hiring matches Ben's goals, "
        "Ana is 2 levels further along, close to the steps Ben is taking next, "
        "you both speak Portuguese and you are in different departments, which widens your "
        "networks."
    )


def test_a_ranked_mentor_and_a_same_department_pair() -> None:
    same_team = BEN.model_copy(update={"department": "platform", "languages": []})
    ranked = [
        score(Criterion.EXPERTISE, 0.0, 0.0),
        score(Criterion.SENIORITY, 0, 0.0),
        score(Criterion.CROSS_DEPARTMENT, 0, 0.0),
        score(Criterion.PREFERENCE, 1, 1.0),
    ]
    why = why_paired(
        mentor_name="Ana Lima",
        mentee_name="Ben Costa",
        mentor=ANA,
        mentee=same_team,
        explanation=ranked,
    )
    assert why == "You were paired because Ben asked for Ana as their first choice."


def test_a_pair_the_program_team_forced_says_so() -> None:
    why = why_paired(
        mentor_name="Ana Lima", mentee_name="Ben Costa", mentor=ANA, mentee=BEN, explanation=None
    )
    assert why.startswith("The program team paired you") and "Portuguese" in why


def rendered(template: str, role: str) -> tuple[str, str]:
    intro = introduction(
        mentor_name="Ana Lima",
        mentee_name="Bo Chen",
        mentor=ANA,
        mentee=BEN,
        explanation=EXPLANATION,
    )
    context = context_for(template, role, introduction=intro.model_dump(mode="json"))
    email = render_email(template, context)
    return email.text, email.html


def test_the_mentor_reads_about_the_mentee_and_why() -> None:
    for template in ("introduction", "introduction_reminder"):
        for part in rendered(template, "mentor"):
            assert "Software Engineer, Payments" in part
            assert "Get better at hiring and run Kubernetes in production" in part
            assert "Public speaking" in part
            assert "expertise in Kubernetes and hiring matches" in part
            assert "Staff Engineer" not in part  # their own facts are not news to them


def test_the_mentee_reads_about_the_mentor_and_why() -> None:
    for template in ("introduction", "introduction_reminder"):
        for part in rendered(template, "mentee"):
            assert "Staff Engineer, Platform" in part
            assert "Kubernetes, hiring and incident reviews" in part
            assert "you both speak Portuguese" in part


def test_an_introduction_without_the_facts_still_renders() -> None:
    email = render_email("introduction", context_for("introduction", "mentor"))
    assert "About " not in email.text


def directory() -> dict[str, dict[str, str]]:
    with (EXAMPLES / "directory.csv").open(newline="") as rows:
        return {row["employee_id"]: row for row in csv.DictReader(rows)}


async def test_a_cohorts_pairs_are_introduced_with_the_facts_and_the_reason(
    cohort: tuple[WorkflowHandle, str],  # noqa: F811
    smtp_server: SmtpServer,
) -> None:
    handle, db_url = cohort
    await handle.execute_update(CohortWorkflow.close_applications, CloseRequest())
    await until_status(handle, CohortStatus.REVIEW)
    await handle.execute_update(CohortWorkflow.review, ReviewDecision())
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        run = session.scalar(select(MatchingRun).order_by(MatchingRun.id.desc()))
        pair = MatchingResult.model_validate(run.result).pairs[0]
    engine.dispose()
    people = directory()
    mentor, mentee = people[pair.mentor_id], people[pair.mentee_id]
    with (EXAMPLES / "applications.csv").open(newline="") as rows:
        goals = next(r["goals"] for r in csv.DictReader(rows) if r["employee_id"] == pair.mentee_id)

    to_mentor = await smtp_server.recorder.wait_for(
        lambda m: mentor["email"] in str(m["To"]) and mentee["name"] in str(m["Subject"]),
        within=60,
    )
    text = to_mentor.get_body(("plain",)).get_content()
    assert f"{mentee['title']}, {mentee['department']}" in text
    assert " ".join(goals.split()[:4]) in " ".join(text.split())
    assert "You were paired because" in text
    to_mentee = await smtp_server.recorder.wait_for(
        lambda m: mentee["email"] in str(m["To"]) and mentor["name"] in str(m["Subject"]),
        within=60,
    )
    text = to_mentee.get_body(("plain",)).get_content()
    assert f"{mentor['title']}, {mentor['department']}" in text
    assert "You were paired because" in text
