"""A 200-pair cohort on the dev server: the proposal covers everyone and the
pairs start as child workflows through the sliding window, all 200 of them,
each recorded in the store and introduced by email."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from mentorflow.cohorts.models import CloseRequest, CohortInput, ReviewDecision
from mentorflow.cohorts.states import ApplicationSource, ApplicationStatus, CohortStatus
from mentorflow.directory import import_directory
from mentorflow.models import Role
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Mentorship
from tests.conftest import SmtpServer
from tests.support.pairs import settings_for, worker_for
from workflows.cohort import CohortWorkflow

PAIRS = 200
SKILLS = ["kubernetes", "payments", "design reviews", "hiring", "data modelling", "pricing"]


def organisation() -> str:
    """Two departments with their own managers; mentors senior, mentees junior."""
    rows = ["employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level"]
    rows.append("B1,boss.one@example.com,Boss One,VP,Platform,,Berlin,Europe/Berlin,2010-01-04,L8")
    rows.append("B2,boss.two@example.com,Boss Two,VP,Product,,Lisbon,Europe/Lisbon,2010-01-04,L8")
    for i in range(PAIRS):
        rows.append(
            f"R{i:03},mentor{i}@example.com,Mentor {i},Staff Engineer,Platform,B1,Berlin,"
            "Europe/Berlin,2015-01-05,L6"
        )
        rows.append(
            f"E{i:03},mentee{i}@example.com,Mentee {i},Engineer,Product,B2,Lisbon,"
            "Europe/Lisbon,2022-01-03,L2"
        )
    return "\n".join(rows) + "\n"


async def test_two_hundred_pairs_start_smoothly(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    cohort = f"load-{task_queue[-8:]}"
    program = ProgramConfig(name="Load test", program_manager_email="hr@example.com")
    now = await dev_env.get_current_time()
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, organisation()).errors
        cohorts.create_cohort(
            session, cohort, program, opens_at=now, closes_at=now + timedelta(days=1)
        )
        for i in range(PAIRS):
            for employee, role in ((f"R{i:03}", Role.MENTOR), (f"E{i:03}", Role.MENTEE)):
                cohorts.upsert_application(
                    session,
                    cohorts.NewApplication(
                        cohort=cohort,
                        employee_id=employee,
                        role=role,
                        capacity=1 if role is Role.MENTOR else None,
                        expertise=SKILLS[i % len(SKILLS)],
                        goals=SKILLS[(i + 1) % len(SKILLS)],
                        languages=["English"],
                        source=ApplicationSource.CSV,
                    ),
                )
                cohorts.set_application_status(
                    session, cohort, employee, role, ApplicationStatus.APPROVED
                )
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    launch = CohortInput(
        cohort=cohort,
        program=program,
        opens_at=now,
        closes_at=now + timedelta(days=1),
        start_window=40,
        page_size=64,
    )
    async with worker_for(dev_env.client, settings, task_queue):
        handle = await dev_env.client.start_workflow(
            CohortWorkflow.run, launch, id=launch.workflow_id, task_queue=task_queue
        )
        await handle.execute_update(CohortWorkflow.close_applications, CloseRequest())
        for _ in range(600):
            snap = await handle.query(CohortWorkflow.status)
            if snap.status == CohortStatus.REVIEW:
                break
            await asyncio.sleep(0.1)
        assert snap.proposal is not None and snap.proposal.matched == PAIRS
        await handle.execute_update(CohortWorkflow.review, ReviewDecision())
        for _ in range(1200):
            snap = await handle.query(CohortWorkflow.status)
            if snap.pairs_started == PAIRS:
                break
            await asyncio.sleep(0.1)
        assert snap.pairs_started == PAIRS and snap.status == CohortStatus.RUNNING
        # Every pair recorded itself and sent its two introductions.
        for _ in range(600):
            with make_sessionmaker(engine)() as session:
                recorded = session.scalar(
                    select(func.count()).select_from(Mentorship).where(Mentorship.cohort == cohort)
                )
            if recorded == PAIRS and len(smtp_server.recorder.messages) >= 2 * PAIRS:
                break
            await asyncio.sleep(0.1)
        assert recorded == PAIRS
        assert len(smtp_server.recorder.messages) == 2 * PAIRS
        await handle.terminate("load test over")
    engine.dispose()
