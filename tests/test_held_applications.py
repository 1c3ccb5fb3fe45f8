"""Applications held for a program's next cohort (a mentee whose mentor left,
an alumnus who accepted to mentor) go in, pre-approved, when a cohort of the
program opens; someone who has left since is not submitted."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from mentorflow.applications.models import ApplicationDetails, application_workflow_id
from mentorflow.cohorts.models import CohortInput
from mentorflow.cohorts.states import ApplicationStatus, PendingReason
from mentorflow.directory import import_directory
from mentorflow.models import Role
from mentorflow.program import load_program
from mentorflow.store import cohorts, pending
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import PendingApplication, Person
from tests.conftest import SmtpServer
from tests.support.pairs import settings_for, worker_for
from workflows.application import ApplicationWorkflow
from workflows.cohort import CohortWorkflow

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROGRAM = load_program(EXAMPLES / "program.yaml")
NOTE = "Your mentor left the organisation, so you go straight into this round's matching."


async def test_held_applications_enter_the_next_cohort_pre_approved(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        assert not import_directory(session, EXAMPLES / "directory.csv").errors
        for key, employee_id, role in (
            ("waitlist:old-pair", "E030", Role.MENTEE),
            ("alumni:E031:2026-autumn", "E031", Role.MENTOR),
            ("waitlist:leaver", "E032", Role.MENTEE),
        ):
            details = ApplicationDetails(roles=[role], goals="Grow as a leader", source="waitlist")
            pending.hold_application(
                session,
                key=key,
                program_name=PROGRAM.program_name,
                employee_id=employee_id,
                role=role,
                reason=PendingReason.WAITLIST if role is Role.MENTEE else PendingReason.ALUMNI,
                details=details.model_dump(mode="json"),
                note=NOTE,
                now=now,
            )
        session.execute(update(Person).where(Person.employee_id == "E032").values(active=False))
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    opens = await time_skipping_env.get_current_time()
    launch = CohortInput(
        cohort="2027-spring", program=PROGRAM, opens_at=opens, closes_at=opens + timedelta(days=14)
    )
    client = time_skipping_env.client
    async with worker_for(client, settings, task_queue):
        await client.start_workflow(
            CohortWorkflow.run, launch, id=launch.workflow_id, task_queue=task_queue
        )
        for employee_id in ("E030", "E031"):
            handle = client.get_workflow_handle(application_workflow_id("2027-spring", employee_id))
            for _ in range(200):
                try:
                    status = await handle.query(ApplicationWorkflow.status)
                    if status.status is ApplicationStatus.APPROVED:
                        break
                except RPCError:  # not started yet
                    pass
                await asyncio.sleep(0.05)
            assert status.status is ApplicationStatus.APPROVED and status.reason == NOTE
        with sessions() as session:
            rows = {row.key: row for row in session.query(PendingApplication)}
            assert all(row.admitted_cohort == "2027-spring" for row in rows.values())
            assert cohorts.get_application(session, "2027-spring", "E032", Role.MENTEE) is None
            mentor = cohorts.get_application(session, "2027-spring", "E031", Role.MENTOR)
            assert mentor is not None and mentor.status == ApplicationStatus.APPROVED.value
    engine.dispose()
