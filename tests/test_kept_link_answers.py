"""Every link page keeps an answer it cannot deliver, and the answer counts by
when it was received: the dev server, the web app unable to reach Temporal
(its answers kept) while the worker is stopped too, the answer's window
closing meanwhile, then the worker back and a round of the real answer
deliverer. Without the received moment the workflow would refuse the answer
or have acted on silence (rejected, expired, closed) before it arrived.

- the manager's approval page (SQLite and PostgreSQL): an approval kept
  before the due date puts the application in the pool;
- the alumni invitation page: an acceptance kept before the expiry enlists
  the mentor;
- the mentorship survey page: a midpoint answer kept in the window counts.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from mentorflow.applications.models import ApplicationDetails, ApplicationSnapshot
from mentorflow.applications.start import SubmitOutcome, application_input, submit_application
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus, InvitationStatus
from mentorflow.directory import import_directory
from mentorflow.models import ProgramSettings, Role, SurveyKind, WouldMentor
from mentorflow.program import ManagerApproval, ProgramConfig
from mentorflow.settings import Settings
from mentorflow.store import cohorts, pending_answers
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import PendingAnswer
from mentorflow.web import create_app
from tests.conftest import SmtpServer, free_port
from tests.support.applications import (
    DIRECTORY,
    link_in,
    settings_with_queue,
    text_of,
    used_links,
)
from tests.support.kept import deliver_kept, survey_answers, until, waits_for_kept_answers
from tests.support.pairs import (
    MENTEE,
    agree_goals,
    eventually,
    introduce,
    start_pair,
    worker_for,
)
from tests.test_alumni_selection import add_cohort, add_directory, graduate
from tests.test_alumni_selection import program as alumni_program
from tests.test_alumni_selection import transaction as store
from tests.test_alumni_workflow import GIL, GIL_AND_HIS_MENTOR, Alumni, application_status

RECEIVED = "We have your answer"


@asynccontextmanager
async def cut_off_web(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The web app as it is while the Temporal server cannot be reached (a
    frontend address where nothing listens): every answer it takes is kept."""
    cut_off = settings.model_copy(update={"temporal_address": f"127.0.0.1:{free_port()}"})
    transport = httpx.ASGITransport(app=create_app(cut_off))
    async with httpx.AsyncClient(
        transport=transport, base_url=settings.base_url, timeout=60
    ) as http:
        yield http


async def wait_past(moment: datetime) -> None:
    await asyncio.sleep(max(0.0, (moment - datetime.now(UTC)).total_seconds()) + 1)


def kept_status(db_url: str) -> list[str]:
    engine = make_engine(db_url)
    try:
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            jtis = session.scalars(select(PendingAnswer.jti)).all()
        return [kept.status for jti in jtis if (kept := pending_answers.get(sessions, jti))]
    finally:
        engine.dispose()


async def test_a_manager_approval_kept_before_the_due_date_counts_after_it(
    dev_env: WorkflowEnvironment,
    db_url: str,
    smtp_server: SmtpServer,
    task_queue: str,
    tmp_path: Path,
) -> None:
    config = ProgramConfig(
        name="Engineering Mentoring",
        program_manager_email="programs@example.com",
        # Silence rejects: only the kept approval can put Ana in the pool.
        manager_approval=ManagerApproval(required=True, timeout=timedelta(seconds=20)),
    )
    # A cohort of its own: the dev server outlives the test.
    cohort = f"kept-{uuid.uuid4().hex[:8]}"
    with store(db_url) as session:
        assert not import_directory(session, DIRECTORY).errors
        now = datetime.now(UTC)
        cohorts.create_cohort(
            session, cohort, config, opens_at=now, closes_at=now + timedelta(days=14)
        )
    settings = settings_with_queue(tmp_path, db_url, smtp_server, task_queue)
    application = application_input(cohort, config, "A1")
    handle = dev_env.client.get_workflow_handle(application.workflow_id)

    async def status() -> ApplicationSnapshot:
        return await handle.query("status", result_type=ApplicationSnapshot)

    async with worker_for(dev_env.client, settings, task_queue):
        submitted = await submit_application(
            dev_env.client,
            task_queue,
            application,
            ApplicationDetails(roles=[Role.MENTEE], goals="Lead a design review"),
        )
        assert submitted.outcome is SubmitOutcome.SUBMITTED
        ask = await smtp_server.recorder.wait_for(lambda m: "mona.manager" in str(m["To"]))
        link = link_in(ask, "/l/approval/")
        # Past the reminder, so that the next timer is the due date itself.
        await smtp_server.recorder.wait_for(
            lambda m: "mona.manager" in str(m["To"]) and m is not ask, within=30
        )
        due = (await status()).decision_due
        assert due is not None

    async with cut_off_web(settings) as http:
        posted = await http.post(link, data={"decision": "approve"})
        assert posted.status_code == 202 and RECEIVED in text_of(posted), text_of(posted)
        shown = await http.get(link)
        assert shown.status_code == 202 and RECEIVED in text_of(shown)
    await wait_past(due)

    async with worker_for(dev_env.client, settings, task_queue):
        # The due date has passed: the workflow waits for the kept answer.
        await waits_for_kept_answers(handle)
        assert (await status()).status is ApplicationStatus.AWAITING_MANAGER
        assert await deliver_kept(settings, dev_env.client) == 1
        snap = await until(lambda: _in_pool(status))
        assert snap.reason == "Approved by your manager."
        assert kept_status(db_url) == ["delivered"]
        assert used_links(db_url) == [("approval", "M1", "used")]
        await handle.terminate("test over")


async def _in_pool(status) -> ApplicationSnapshot | None:  # type: ignore[no-untyped-def]
    snap = await status()
    assert snap.status is not ApplicationStatus.REJECTED, snap
    return snap if snap.status is ApplicationStatus.APPROVED else None


async def test_an_alumni_acceptance_kept_before_the_expiry_counts_after_it(
    dev_env: WorkflowEnvironment,
    sqlite_url: str,
    smtp_server: SmtpServer,
    task_queue: str,
    tmp_path: Path,
) -> None:
    config = alumni_program(reminder_after="PT10S", expires_after="PT20S")
    # Cohorts of their own: the dev server outlives the test.
    graduated, next_cohort = (f"{name}-{uuid.uuid4().hex[:8]}" for name in ("grad", "next"))
    with store(sqlite_url) as session:
        add_directory(session)
        add_cohort(session, graduated, config)
        add_cohort(session, next_cohort, config, status=CohortStatus.OPEN)
        graduate(session, graduated, "G1", would_mentor=WouldMentor.YES, mean_value=4.5)
    settings = settings_with_queue(tmp_path, sqlite_url, smtp_server, task_queue)
    alums = Alumni(dev_env, settings, smtp_server, sqlite_url, task_queue)

    async with worker_for(dev_env.client, settings, task_queue):
        assert await alums.invite(graduated) == GIL_AND_HIS_MENTOR
        invitation = await alums.mail("Pay it forward")
        link = link_in(invitation, "/l/alumni/")
        await smtp_server.recorder.wait_for(
            lambda m: GIL in str(m["To"]) and m is not invitation, within=30
        )
        expires = (await alums.status(cohort=graduated)).expires_at

    async with cut_off_web(settings) as http:
        form = {"decision": "accept", "capacity": "1", "expertise": "Incident reviews"}
        posted = await http.post(link, data=form)
        assert posted.status_code == 202 and RECEIVED in text_of(posted), text_of(posted)
        shown = await http.get(link)
        assert shown.status_code == 202 and RECEIVED in text_of(shown)
    await wait_past(expires)

    async with worker_for(dev_env.client, settings, task_queue):
        await waits_for_kept_answers(alums.invitation(cohort=graduated))
        assert await deliver_kept(settings, dev_env.client) == 1
        result = await alums.result(cohort=graduated)
        assert result.status is InvitationStatus.ACCEPTED
        assert result.admitted_cohort == next_cohort
        admitted = await application_status(alums, next_cohort)
        assert admitted.status is ApplicationStatus.APPROVED
        assert used_links(sqlite_url) == [("alumni", "G1", "used")]


#: Check-ins every twenty seconds; the midpoint survey twenty seconds in, open
#: for twenty seconds.
SHORT = ProgramSettings(
    program_name="Sprint mentoring",
    program_manager_email="programs@example.com",
    cadence="PT20S",
    checkin_window="PT20S",
    duration="PT40S",
    introduction_timeout="PT2M",
    goals_timeout="PT2M",
    survey_window="PT20S",
)


async def test_a_survey_answer_kept_in_its_window_counts_after_it_closed(
    dev_env: WorkflowEnvironment,
    sqlite_url: str,
    smtp_server: SmtpServer,
    task_queue: str,
    tmp_path: Path,
) -> None:
    settings = settings_with_queue(tmp_path, sqlite_url, smtp_server, task_queue)
    async with worker_for(dev_env.client, settings, task_queue):
        handle = await start_pair(dev_env.client, task_queue, SHORT, f"kept-{uuid.uuid4().hex[:8]}")
        await introduce(handle)
        await agree_goals(handle)
        mail = await smtp_server.recorder.wait_for(
            lambda m: MENTEE.email in str(m["To"]) and "Halfway there" in str(m["Subject"]),
            within=60,
        )
        link = link_in(mail, "/l/survey/")
        snap = await eventually(handle, lambda s: any(v.closes for v in s.surveys), within=30)
        closes = snap.surveys[0].closes
        assert closes is not None

    async with cut_off_web(settings) as http:
        form = {"rating": "5", "working_well": "yes", "gained": "Candid feedback"}
        posted = await http.post(link, data=form)
        assert posted.status_code == 202 and RECEIVED in text_of(posted), text_of(posted)
        shown = await http.get(link)
        assert shown.status_code == 202 and RECEIVED in text_of(shown)
    await wait_past(closes)

    async with worker_for(dev_env.client, settings, task_queue):
        await eventually(
            handle,
            lambda s: any(v.kind == SurveyKind.MIDPOINT and v.done for v in s.surveys),
            within=30,
        )
        assert await deliver_kept(settings, dev_env.client) == 1
        snap = await eventually(
            handle, lambda s: MENTEE.employee_id in s.surveys[0].answered_by, within=10
        )
        assert survey_answers(sqlite_url, handle.id) == [("midpoint", MENTEE.employee_id, 5)]
        assert kept_status(sqlite_url) == ["delivered"]
        await handle.terminate("test over")
