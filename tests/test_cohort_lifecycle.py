"""CohortWorkflow on the time-skipping server with the real activities: the
example organisation's approved applications are matched, HR reviews (a bad
override is refused, a re-run, an approval that drops a pair), the pairs start
as child workflows and the cohort closes with their outcomes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from mentorflow.cohorts.models import (
    CloseRequest,
    CohortInput,
    Overrides,
    PairRef,
    ReviewDecision,
    RuleOverride,
)
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus
from mentorflow.directory import import_directory
from mentorflow.models import Outcome
from mentorflow.program import load_program
from mentorflow.report import build_report, to_csv, to_html, to_json
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import MatchingRun, Mentorship
from tests.conftest import SmtpServer
from tests.support.pairs import settings_for, worker_for
from tests.test_cohort_matching import COHORT, EXAMPLES, example_applications
from workflows.cohort import CohortWorkflow

PROGRAM = load_program(EXAMPLES / "program.yaml")


@pytest.fixture
async def cohort(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[tuple[WorkflowHandle, str]]:
    env = time_skipping_env
    now = await env.get_current_time()
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, EXAMPLES / "directory.csv").errors
        cohorts.create_cohort(
            session, COHORT, PROGRAM, opens_at=now, closes_at=now + timedelta(days=14)
        )
        for application in example_applications():
            cohorts.upsert_application(session, application)
            cohorts.set_application_status(
                session,
                COHORT,
                application.employee_id,
                application.role,
                ApplicationStatus.APPROVED,
            )
    engine.dispose()
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(env.client, settings, task_queue):
        launch = CohortInput(
            cohort=COHORT,
            program=PROGRAM,
            opens_at=now,
            closes_at=now + timedelta(days=14),
            start_window=5,
            page_size=7,
        )
        handle = await env.client.start_workflow(
            CohortWorkflow.run, launch, id=launch.workflow_id, task_queue=task_queue
        )
        yield handle, sqlite_url


async def until_status(handle: WorkflowHandle, status: CohortStatus) -> None:
    for _ in range(400):
        if (await handle.query(CohortWorkflow.status)).status == status:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"cohort never reached {status}")


async def test_a_cohort_from_review_to_closed(cohort: tuple[WorkflowHandle, str]) -> None:
    handle, db_url = cohort
    assert (await handle.query(CohortWorkflow.status)).status == CohortStatus.OPEN
    with pytest.raises(WorkflowUpdateFailedError):  # nothing to review yet
        await handle.execute_update(CohortWorkflow.review, ReviewDecision())
    await handle.execute_update(CohortWorkflow.close_applications, CloseRequest())
    await until_status(handle, CohortStatus.REVIEW)
    proposal = (await handle.query(CohortWorkflow.status)).proposal
    assert proposal is not None and proposal.matched > 0

    bogus = Overrides(drop=[PairRef(mentor_id="E001", mentee_id="E999")])
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(CohortWorkflow.review, ReviewDecision(overrides=bogus))
    assert "not in the proposal" in str(refused.value.cause)

    await handle.execute_update(CohortWorkflow.review, ReviewDecision(rerun=True))
    await until_status(handle, CohortStatus.REVIEW)

    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        run = session.scalar(select(MatchingRun).order_by(MatchingRun.id.desc()))
        first = run.result["pairs"][0]
    drop = Overrides(drop=[PairRef(mentor_id=first["mentor_id"], mentee_id=first["mentee_id"])])
    receipt = await handle.execute_update(CohortWorkflow.review, ReviewDecision(overrides=drop))
    assert f"{proposal.matched - 1} pairs" in receipt.message

    # Nobody confirms an introduction here: the server skips the weeks and
    # every pair ends as not started, which the cohort tallies.
    result = await handle.result()
    assert result.pairs == proposal.matched - 1
    assert result.outcomes == {Outcome.NOT_STARTED: result.pairs}
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Mentorship)) == result.pairs
        assert cohorts.get_cohort(session, COHORT).status == CohortStatus.CLOSED
        dropped = session.get(
            Mentorship, f"mentorship:{COHORT}:{first['mentor_id']}:{first['mentee_id']}"
        )
        assert dropped is None
        report = build_report(session, COHORT, datetime.now(UTC))
    engine.dispose()
    # The report counts what happened: every pair matched, none started.
    assert report.pairs == result.pairs and report.mentees_matched == result.pairs
    assert report.match_rate == round(result.pairs / report.mentees_in_pool, 4)
    assert report.outcomes == {"not_started": result.pairs} and report.graduates == 0
    assert len(report.early_ends) == result.pairs
    assert report.response_rate is None and report.mean_value is None
    html = to_html(report)
    assert "<svg" in html and "Early ends" in html and report.early_ends[0].mentee in html
    rows = to_csv(report).splitlines()
    assert rows[0] == "metric,value" and f"pairs,{result.pairs}" in rows
    assert json.loads(to_json(report))["outcomes"] == {"not_started": result.pairs}


async def test_a_forced_pair_that_breaks_a_hard_rule_needs_a_recorded_reason(
    cohort: tuple[WorkflowHandle, str],
) -> None:
    handle, db_url = cohort
    await handle.execute_update(CohortWorkflow.close_applications, CloseRequest())
    await until_status(handle, CohortStatus.REVIEW)
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        run = session.scalar(select(MatchingRun).order_by(MatchingRun.id.desc()))
        # E018 manages E024 (reporting line): make room, then force the pair.
        drop = [
            PairRef(mentor_id=p["mentor_id"], mentee_id=p["mentee_id"])
            for p in run.result["pairs"]
            if p["mentor_id"] == "E018"
        ]
    forced = [PairRef(mentor_id="E018", mentee_id="E024")]

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            CohortWorkflow.review, ReviewDecision(overrides=Overrides(drop=drop, force=forced))
        )
    message = str(refused.value.cause)
    assert "E018:E024 breaks reporting_line: E018 is in E024's management chain" in message
    assert 'pass --override-rule "E018:E024=reason" to force it anyway' in message

    # A reason for a pair that is not forced is refused before it enters history.
    stray = RuleOverride(mentor_id="E018", mentee_id="E025", reason="x")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(
            CohortWorkflow.review,
            ReviewDecision(overrides=Overrides(drop=drop, force=forced, rule_overrides=[stray])),
        )
    assert "E018:E025 has a rule override but is not forced" in str(refused.value.cause)

    reason = RuleOverride(
        mentor_id="E018", mentee_id="E024", reason="E024 moves to another team in January"
    )
    receipt = await handle.execute_update(
        CohortWorkflow.review,
        ReviewDecision(overrides=Overrides(drop=drop, force=forced, rule_overrides=[reason])),
    )
    assert "pairs start now" in receipt.message
    with make_sessionmaker(engine)() as session:
        approved = session.scalar(select(MatchingRun).where(MatchingRun.approved))
        assert approved.overrides["rule_overrides"] == [
            {"mentor_id": "E018", "mentee_id": "E024", "reason": reason.reason}
        ]
    engine.dispose()
    await handle.terminate("test over")
