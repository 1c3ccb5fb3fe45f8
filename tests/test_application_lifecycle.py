"""ApplicationWorkflow on the time-skipping server with the real activities:
eligibility against a directory and a program in the store, the manager's
approval by email, withdrawal, and the cohort's match notice."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from mentorflow.applications.models import (
    ApplicationDetails,
    ApplicationInput,
    ManagerDecision,
    MatchNotice,
    WithdrawRequest,
)
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.directory import import_directory
from mentorflow.links import LinkSigner
from mentorflow.models import Role
from mentorflow.program import ManagerApproval, ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from tests.conftest import SmtpServer
from tests.support.pairs import settings_for, worker_for
from workflows.application import ApplicationWorkflow

DIRECTORY = """employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level
M1,mona.manager@example.com,Mona Manager,Director,Platform,,Berlin,Europe/Berlin,2015-01-05,L7
A1,ana.applicant@example.com,Ana Applicant,Engineer,Platform,M1,Lisbon,Europe/Lisbon,2020-03-02,L3
N1,nina.newcomer@example.com,Nina Newcomer,Engineer,Platform,M1,Lisbon,Europe/Lisbon,2026-11-01,L2
"""
PROGRAM = ProgramConfig(
    name="Engineering Mentoring",
    program_manager_email="programs@example.com",
    eligibility={"min_tenure": "P180D"},
)
MENTEE = ApplicationDetails(
    roles=[Role.MENTEE], goals="Lead a design review", languages=["English"]
)


@dataclass
class Desk:
    env: WorkflowEnvironment
    smtp: SmtpServer
    db_url: str
    task_queue: str

    async def apply(
        self,
        employee_id: str,
        details: ApplicationDetails = MENTEE,
        approval: ManagerApproval | None = None,
    ) -> WorkflowHandle[Any, Any]:
        application = ApplicationInput(
            cohort="2027-spring",
            employee_id=employee_id,
            program_name=PROGRAM.program_name,
            program_manager_email=PROGRAM.program_manager_email,
            manager_approval=approval or ManagerApproval(),
        )
        handle = await self.env.client.start_workflow(
            ApplicationWorkflow.run,
            application,
            id=application.workflow_id,
            task_queue=self.task_queue,
        )
        await handle.execute_update(ApplicationWorkflow.submit, details)
        return handle

    def stored_status(self, employee_id: str, role: Role = Role.MENTEE) -> str | None:
        engine = make_engine(self.db_url)
        try:
            with make_sessionmaker(engine)() as session:
                row = cohorts.get_application(session, "2027-spring", employee_id, role)
                return row.status if row else None
        finally:
            engine.dispose()


@pytest.fixture
async def desk(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Desk]:
    engine = make_engine(sqlite_url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, DIRECTORY).errors
        now = datetime.now(UTC)
        cohorts.create_cohort(
            session, "2027-spring", PROGRAM, opens_at=now, closes_at=now + timedelta(days=14)
        )
    engine.dispose()
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(time_skipping_env.client, settings, task_queue):
        yield Desk(time_skipping_env, smtp_server, sqlite_url, task_queue)


async def test_an_eligible_mentee_enters_the_pool_and_is_matched(desk: Desk) -> None:
    handle = await desk.apply("A1")
    await desk.smtp.recorder.wait_for(lambda m: "matching pool" in str(m["Subject"]))
    assert desk.stored_status("A1") == ApplicationStatus.APPROVED
    await handle.signal(
        ApplicationWorkflow.match_notice,
        MatchNotice(matched=True, mentorship_ids=["mentorship:2027-spring:M9:A1"]),
    )
    result = await handle.result()
    assert result.status == ApplicationStatus.MATCHED
    assert result.mentorship_ids == ["mentorship:2027-spring:M9:A1"]
    assert desk.stored_status("A1") == ApplicationStatus.MATCHED


async def test_too_short_a_tenure_is_refused_with_the_reason(desk: Desk) -> None:
    handle = await desk.apply("N1")
    result = await handle.result()
    assert result.status == ApplicationStatus.INELIGIBLE
    assert "Tenure of" in result.reason and "below the minimum of 180" in result.reason
    mail = await desk.smtp.recorder.wait_for(lambda m: "nina" in str(m["To"]))
    assert "minimum of 180" in mail.get_body(("plain",)).get_content()
    assert desk.stored_status("N1") == ApplicationStatus.INELIGIBLE


async def test_an_unknown_employee_is_refused_and_nothing_is_stored(desk: Desk) -> None:
    handle = await desk.apply("X404")
    result = await handle.result()
    assert result.status == ApplicationStatus.INELIGIBLE
    assert "not in the employee directory" in result.reason
    assert desk.stored_status("X404") is None
    assert desk.smtp.recorder.messages == []


async def test_a_second_submission_is_refused(desk: Desk) -> None:
    handle = await desk.apply("A1")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await handle.execute_update(ApplicationWorkflow.submit, MENTEE)
    assert "already applied" in str(refused.value.cause)


async def test_the_manager_approves_by_email(desk: Desk) -> None:
    approval = ManagerApproval(required=True, timeout=timedelta(days=5))
    handle = await desk.apply("A1", approval=approval)
    ask = await desk.smtp.recorder.wait_for(lambda m: "mona.manager" in str(m["To"]))
    assert "/l/approval/" in ask.get_body(("plain",)).get_content()
    with pytest.raises(WorkflowUpdateFailedError):  # only the manager decides
        await handle.execute_update(
            ApplicationWorkflow.manager_decision, ManagerDecision(by="A1", approve=True)
        )
    await handle.execute_update(
        ApplicationWorkflow.manager_decision, ManagerDecision(by="M1", approve=True)
    )
    await desk.smtp.recorder.wait_for(lambda m: "matching pool" in str(m["Subject"]))
    assert (await handle.query(ApplicationWorkflow.status)).status == ApplicationStatus.APPROVED


async def test_a_silent_manager_means_what_the_program_says(desk: Desk) -> None:
    reject = ManagerApproval(required=True, timeout=timedelta(days=5), on_timeout="reject")
    handle = await desk.apply("A1", approval=reject)
    result = await handle.result()  # the server skips the five days
    assert result.status == ApplicationStatus.REJECTED
    reminders = [
        m for m in desk.smtp.recorder.to("mona.manager") if "Reminder" in str(m["Subject"])
    ]
    assert len(reminders) == 1


async def test_withdrawing_before_the_match(desk: Desk) -> None:
    handle = await desk.apply("A1")
    await desk.smtp.recorder.wait_for(lambda m: "matching pool" in str(m["Subject"]))
    with pytest.raises(WorkflowUpdateFailedError):  # not the applicant
        await handle.execute_update(ApplicationWorkflow.withdraw, WithdrawRequest(by="M1"))
    await handle.execute_update(
        ApplicationWorkflow.withdraw, WithdrawRequest(by="A1", reason="New role")
    )
    result = await handle.result()
    assert result.status == ApplicationStatus.WITHDRAWN
    assert desk.stored_status("A1") == ApplicationStatus.WITHDRAWN
    await desk.smtp.recorder.wait_for(lambda m: "withdrawn" in str(m["Subject"]))


async def test_waitlisted_when_no_match(desk: Desk) -> None:
    handle = await desk.apply("A1")
    await desk.smtp.recorder.wait_for(lambda m: "matching pool" in str(m["Subject"]))
    await handle.signal(
        ApplicationWorkflow.match_notice,
        MatchNotice(matched=False, reason="No mentor shares a language with you."),
    )
    result = await handle.result()
    assert result.status == ApplicationStatus.WAITLISTED
    waitlist = await desk.smtp.recorder.wait_for(lambda m: "waitlist" in str(m["Subject"]))
    assert "No mentor shares a language" in waitlist.get_body(("plain",)).get_content()


async def test_an_smtp_outage_does_not_use_up_the_managers_window(desk: Desk) -> None:
    window = timedelta(minutes=10)
    approval = ManagerApproval(required=True, timeout=window)
    # Only the manager's mail server is down (the applicant hears at once).
    desk.smtp.recorder.outage_for = "mona.manager"
    desk.smtp.recorder.outage = "421 4.3.2 Service not available"
    handle = await desk.apply("A1", approval=approval)
    await desk.smtp.recorder.wait_for(lambda m: "ana.applicant" in str(m["To"]))
    await desk.env.sleep(2 * window)  # the server refuses twice the window long
    assert desk.smtp.recorder.refused >= 3
    desk.smtp.recorder.outage = None
    while not desk.smtp.recorder.to("mona.manager"):
        await desk.env.sleep(timedelta(minutes=1))
    delivered = await desk.env.get_current_time()
    ask = desk.smtp.recorder.to("mona.manager")[0].get_body(("plain",)).get_content()

    status = await handle.query(ApplicationWorkflow.status)
    assert status.decision_due is not None
    assert status.decision_due >= delivered + window - timedelta(minutes=1)
    token = re.findall(r"/l/approval/(\S+)", ask)[0]
    claims = LinkSigner("test-secret").verify("approval", token, now=0)
    assert claims.expires_at >= delivered + window - timedelta(minutes=1)
    await handle.execute_update(
        ApplicationWorkflow.manager_decision, ManagerDecision(by="M1", approve=True)
    )
    assert (await handle.query(ApplicationWorkflow.status)).status == ApplicationStatus.APPROVED
