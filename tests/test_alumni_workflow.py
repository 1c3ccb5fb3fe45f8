"""AlumniInvitationWorkflow on the time-skipping server with the real
activities: invitations started by ``invite_alumni`` from a graduated cohort
in the store, mail to aiosmtpd with the signed link, the reminder and the
expiry, accepting into an open cohort (a pre-approved ApplicationWorkflow) or
into the next one (a held application, admitted when it opens), declining,
and the ``answer`` validator."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlalchemy import select
from temporalio import workflow
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.alumni import AlumniActivities
from mentorflow.alumni.models import (
    AlumniInvitationResult,
    AlumniInvitationSnapshot,
    InvitationAnswer,
    InviteAlumni,
    alumni_workflow_id,
)
from mentorflow.applications.admission import admit_waiting
from mentorflow.applications.models import ApplicationSnapshot, application_workflow_id
from mentorflow.applications.start import SubmitOutcome
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus, InvitationStatus
from mentorflow.links import LinkSigner
from mentorflow.models import ActionReceipt, Role, WouldMentor
from mentorflow.settings import Settings
from mentorflow.store import alumni, cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Application, PendingApplication
from tests.conftest import SmtpServer
from tests.support.applications import link_in
from tests.support.pairs import settings_for, worker_for
from tests.test_alumni_selection import (
    GRADUATED,
    add_cohort,
    add_directory,
    graduate,
    program,
    transaction,
)

NEXT = "2027-spring"
GIL = "gil.graduate@example.com"
#: The fixture's cohort invites Gil, who graduated and said yes, and Maria
#: (M1), who mentored him to graduation.
GIL_AND_HIS_MENTOR = 2


class InviteRequest(BaseModel):
    cohort: str
    task_queue: str


# Not sandboxed: it only calls one activity, and this module imports the store.
@workflow.defn(sandboxed=False)
class InviteGraduates:
    """Stands in for CohortWorkflow's last step: ``invite_alumni`` as an activity."""

    @workflow.run
    async def run(self, request: InviteRequest) -> int:
        return int(
            await workflow.execute_activity_method(
                AlumniActivities.invite_alumni,
                InviteAlumni(cohort=request.cohort),
                task_queue=request.task_queue,
                start_to_close_timeout=timedelta(minutes=1),
                heartbeat_timeout=timedelta(seconds=30),
            )
        )


@dataclass
class Alumni:
    """The worker, the store and the mail of one test."""

    env: WorkflowEnvironment
    settings: Settings
    smtp: SmtpServer
    db_url: str
    task_queue: str

    async def invite(self, cohort: str = GRADUATED) -> int:
        helper_queue = f"{self.task_queue}-cohort"
        async with Worker(self.env.client, task_queue=helper_queue, workflows=[InviteGraduates]):
            return await self.env.client.execute_workflow(
                InviteGraduates.run,
                InviteRequest(cohort=cohort, task_queue=self.task_queue),
                id=f"invite-{uuid.uuid4()}",
                task_queue=helper_queue,
            )

    def invitation(self, employee: str = "G1", cohort: str = GRADUATED) -> WorkflowHandle:
        return self.env.client.get_workflow_handle(
            alumni_workflow_id(employee, cohort), result_type=AlumniInvitationResult
        )

    async def status(
        self, employee: str = "G1", cohort: str = GRADUATED
    ) -> AlumniInvitationSnapshot:
        handle = self.invitation(employee, cohort)
        return await handle.query("status", result_type=AlumniInvitationSnapshot)

    async def answer(
        self, answer: InvitationAnswer, employee: str = "G1", cohort: str = GRADUATED
    ) -> str:
        handle = self.invitation(employee, cohort)
        receipt = await handle.execute_update("answer", answer, result_type=ActionReceipt)
        return receipt.message

    async def result(self, employee: str = "G1", cohort: str = GRADUATED) -> AlumniInvitationResult:
        return await self.invitation(employee, cohort).result()

    async def mail(self, subject: str, to: str = GIL) -> EmailMessage:
        return await self.smtp.recorder.wait_for(
            lambda m: to in str(m["To"]) and subject in str(m["Subject"])
        )

    def text(self, mail: EmailMessage) -> str:
        body = mail.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    def stored_invitation(
        self, employee: str = "G1", cohort: str = GRADUATED
    ) -> tuple[str, object, object]:
        with transaction(self.db_url) as session:
            row = alumni.get_invitation(session, alumni_workflow_id(employee, cohort))
            assert row is not None
            return row.status, row.answered_at, row.ask_again_after


@pytest.fixture
async def alums(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Alumni]:
    """G1 graduated from ``GRADUATED`` and said they would mentor."""
    with transaction(sqlite_url) as session:
        add_directory(session)
        add_cohort(session, GRADUATED, program())
        graduate(
            session,
            GRADUATED,
            "G1",
            would_mentor=WouldMentor.YES,
            mean_value=4.5,
            expertise="Kubernetes, incident reviews",
            languages=("English", "Portuguese"),
        )
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(time_skipping_env.client, settings, task_queue):
        yield Alumni(time_skipping_env, settings, smtp_server, sqlite_url, task_queue)


def accept(capacity: int = 2) -> InvitationAnswer:
    return InvitationAnswer(
        by="G1",
        accept=True,
        capacity=capacity,
        expertise="Kubernetes, incident reviews, career moves into SRE",
        languages=["English", "Portuguese"],
    )


def open_cohort(db_url: str, name: str = NEXT) -> None:
    with transaction(db_url) as session:
        add_cohort(session, name, program(), status=CohortStatus.OPEN)


async def application_status(site: Alumni, cohort: str = NEXT) -> ApplicationSnapshot:
    handle = site.env.client.get_workflow_handle(application_workflow_id(cohort, "G1"))
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        snap = await handle.query("status", result_type=ApplicationSnapshot)
        if snap.status is ApplicationStatus.APPROVED or (
            asyncio.get_running_loop().time() > deadline
        ):
            return snap
        await asyncio.sleep(0.05)


def held_applications(db_url: str) -> list[tuple[str, str, str | None, dict]]:
    with transaction(db_url) as session:
        rows = session.scalars(select(PendingApplication)).all()
        return [(r.key, r.role, r.admitted_cohort, r.details) for r in rows]


async def stored_mentor_application(
    db_url: str, status: str = "approved", cohort: str = NEXT
) -> tuple[str, int | None, str, str]:
    """G1's mentor application once the store has it at ``status``: the
    workflow's query can say "approved" a moment before its store activity
    has written the row."""
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        row = _mentor_row(db_url, cohort)
        if (row and row[0] == status) or asyncio.get_running_loop().time() > deadline:
            assert row is not None, "no mentor application stored"
            return row
        await asyncio.sleep(0.05)


def _mentor_row(db_url: str, cohort: str) -> tuple[str, int | None, str, str] | None:
    with transaction(db_url) as session:
        row = session.scalar(
            select(Application).where(
                Application.cohort == cohort,
                Application.employee_id == "G1",
                Application.role == Role.MENTOR.value,
            )
        )
        return (row.status, row.capacity, row.source, row.expertise) if row else None


# --------------------------------------------------------------------------- lifecycle


async def test_invited_then_reminded_then_expired(alums: Alumni) -> None:
    assert await alums.invite() == GIL_AND_HIS_MENTOR
    invite = await alums.mail("Pay it forward")
    text = alums.text(invite)
    assert "In your final survey you said you would like to mentor others" in text
    assert "4.5 out of 5" in text and "an hour or two a month with 2 mentees" in text
    link = link_in(invite, "/l/alumni/")
    signer = LinkSigner(alums.settings.resolved_secret_key, alums.settings.link_max_age)
    claims = signer.verify("alumni", link.rsplit("/", 1)[1])
    assert claims.workflow_id == alumni_workflow_id("G1", GRADUATED)
    assert claims.participant_id == "G1"
    snap = await alums.status()
    assert snap.status is InvitationStatus.INVITED
    assert snap.expires_at is not None and snap.invited_at is not None
    # Three weeks from when the email went out (a moment after the invitation).
    term = snap.expires_at - (snap.invited_at + timedelta(days=21))
    assert timedelta(0) <= term < timedelta(seconds=30)
    # The link dies with the invitation (a token counts whole seconds; it is
    # minted just before the email is handed over).
    assert timedelta(0) <= snap.expires_at - claims.expires_at < timedelta(seconds=2)
    assert snap.expertise == "Kubernetes, incident reviews"
    assert snap.languages == ["English", "Portuguese"]
    assert alums.stored_invitation()[0] == "invited"
    # invite_alumni again (a retried activity, a second call): nobody is asked twice.
    assert await alums.invite() == GIL_AND_HIS_MENTOR

    await alums.env.sleep(timedelta(days=7, hours=1))
    reminder = await alums.mail("Reminder: will you mentor")
    assert "/l/alumni/" in alums.text(reminder)
    assert (await alums.status()).status is InvitationStatus.REMINDED

    await alums.env.sleep(timedelta(days=14))
    result = await alums.result()
    assert result.status is InvitationStatus.EXPIRED and result.admitted_cohort is None
    assert alums.stored_invitation() == ("expired", None, None)
    # Two emails and no more: silence is an answer.
    assert len(alums.smtp.recorder.to(GIL)) == 2
    assert held_applications(alums.db_url) == []


async def test_accepting_with_a_cohort_open_applies_pre_approved(alums: Alumni) -> None:
    open_cohort(alums.db_url)
    assert await alums.invite() == GIL_AND_HIS_MENTOR
    await alums.mail("Pay it forward")

    message = await alums.answer(accept(capacity=2))
    assert f"Your mentor application to {NEXT} is in, already approved" in message
    application = await application_status(alums)
    assert application.status is ApplicationStatus.APPROVED
    assert application.roles == [Role.MENTOR]
    assert application.reason.startswith(f"Pre-approved: you graduated from {GRADUATED}")
    assert await stored_mentor_application(alums.db_url) == (
        "approved",
        2,
        "alumni",
        "Kubernetes, incident reviews, career moves into SRE",
    )
    result = await alums.result()
    assert result.status is InvitationStatus.ACCEPTED and result.admitted_cohort == NEXT
    [(key, role, admitted, details)] = held_applications(alums.db_url)
    assert (key, role, admitted) == (alumni_workflow_id("G1", GRADUATED), "mentor", NEXT)
    assert details["languages"] == ["English", "Portuguese"] and details["source"] == "alumni"
    status, answered_at, _ = alums.stored_invitation()
    assert status == "accepted" and answered_at is not None

    thanks = await alums.mail("Thank you: you will mentor")
    assert f"({NEXT}) is in, already approved" in alums.text(thanks)
    approved = await alums.mail("You are in the matching pool")
    assert "Pre-approved: you graduated from" in alums.text(approved)


async def test_accepting_before_the_next_cohort_opens_waits_for_it(alums: Alumni) -> None:
    assert await alums.invite() == GIL_AND_HIS_MENTOR
    message = await alums.answer(accept(capacity=1))
    assert "when the next cohort of Engineering Mentoring opens" in message
    result = await alums.result()
    assert result.status is InvitationStatus.ACCEPTED and result.admitted_cohort is None
    thanks = await alums.mail("Thank you: you will mentor")
    assert "is not open yet" in alums.text(thanks)
    [(_, role, admitted, details)] = held_applications(alums.db_url)
    assert (role, admitted, details["capacity"]) == ("mentor", None, 1)

    # The next cohort opens: its held applications go in, pre-approved.
    open_cohort(alums.db_url)
    engine = make_engine(alums.db_url)
    try:
        with make_sessionmaker(engine)() as session:
            config = cohorts.cohort_program(cohorts.get_cohort(session, NEXT))  # type: ignore[arg-type]
        admitted = await admit_waiting(
            alums.env.client, alums.task_queue, make_sessionmaker(engine), NEXT, config
        )
    finally:
        engine.dispose()
    assert [r.outcome for r in admitted] == [SubmitOutcome.SUBMITTED]
    assert (await application_status(alums)).status is ApplicationStatus.APPROVED
    assert (await stored_mentor_application(alums.db_url))[:3] == ("approved", 1, "alumni")
    assert held_applications(alums.db_url)[0][2] == NEXT


async def test_an_smtp_outage_does_not_use_up_the_invitation(alums: Alumni) -> None:
    cohort, term = "grad-outage", timedelta(minutes=10)
    with transaction(alums.db_url) as session:
        add_cohort(session, cohort, program(reminder_after="PT5M", expires_after="PT10M"))
        graduate(session, cohort, "G1", would_mentor=WouldMentor.YES, mean_value=4.5)
    alums.smtp.recorder.outage = "421 4.3.2 Service not available"
    assert await alums.invite(cohort) == GIL_AND_HIS_MENTOR
    await alums.env.sleep(2 * term)  # the server refuses twice the term long
    assert alums.smtp.recorder.refused >= 3
    alums.smtp.recorder.outage = None
    while not alums.smtp.recorder.to(GIL):
        await alums.env.sleep(timedelta(minutes=1))
    delivered = await alums.env.get_current_time()
    invite = await alums.mail("Pay it forward")

    snap = await alums.status(cohort=cohort)
    assert snap.status is InvitationStatus.INVITED
    assert snap.expires_at is not None
    assert snap.expires_at >= delivered + term - timedelta(minutes=1)
    signer = LinkSigner(alums.settings.resolved_secret_key, alums.settings.link_max_age)
    claims = signer.verify("alumni", link_in(invite, "/l/alumni/").rsplit("/", 1)[1], now=0)
    assert claims.expires_at >= delivered + term - timedelta(minutes=1)
    with transaction(alums.db_url) as session:
        row = alumni.get_invitation(session, alumni_workflow_id("G1", cohort))
        assert row is not None
        assert row.expires_at.replace(tzinfo=UTC) >= delivered + term - timedelta(minutes=1)
    message = await alums.answer(
        InvitationAnswer(by="G1", accept=False, reason="Next year"), cohort=cohort
    )
    assert "We will not ask you again before" in message


async def test_declining_pauses_invitations_to_the_program(alums: Alumni) -> None:
    assert await alums.invite() == GIL_AND_HIS_MENTOR
    message = await alums.answer(
        InvitationAnswer(by="G1", accept=False, reason="New team lead role; next year")
    )
    assert "We will not ask you again before" in message
    result = await alums.result()
    assert result.status is InvitationStatus.DECLINED
    status, answered_at, ask_again_after = alums.stored_invitation()
    assert status == "declined"
    assert ask_again_after == result.ask_again_after == answered_at + timedelta(days=180)  # type: ignore[operator]
    note = await alums.mail("Thank you for letting us know")
    assert "we will not invite you again before" in alums.text(note)
    assert held_applications(alums.db_url) == []

    # A later cohort: G1 graduated again (said yes), and so did G2. Only G2
    # is invited while G1's pause lasts.
    later = "2026-autumn"
    with transaction(alums.db_url) as session:
        add_cohort(session, later, program())
        for mentee in ("G1", "G2"):
            graduate(session, later, mentee, would_mentor=WouldMentor.YES, mean_value=4.0)
    assert await alums.invite(later) == 1
    await alums.mail("Pay it forward", to="hana.happy@example.com")
    with pytest.raises(RPCError):
        await alums.invitation("G1", later).describe()
    assert (await alums.invitation("G2", later).describe()).status is not None


async def test_a_program_without_alumni_invitations_invites_nobody(alums: Alumni) -> None:
    with transaction(alums.db_url) as session:
        add_cohort(session, "quiet-2026", program("Quiet Mentoring", enabled=False))
        graduate(session, "quiet-2026", "G2", would_mentor=WouldMentor.YES, mean_value=5.0)
    assert await alums.invite("quiet-2026") == 0
    with pytest.raises(RPCError):
        await alums.invitation("G2", "quiet-2026").describe()


# --------------------------------------------------------------------------- validator


async def test_only_the_invitee_answers_and_only_once(alums: Alumni) -> None:
    assert await alums.invite() == GIL_AND_HIS_MENTOR
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await alums.answer(InvitationAnswer(by="M1", accept=True, expertise="Anything"))
    assert "Only the person invited" in str(refused.value.cause)
    # Two answers at once (two tabs): whichever comes first counts, the other
    # is refused with what was decided.
    outcomes = await asyncio.gather(
        alums.answer(accept()),
        alums.answer(InvitationAnswer(by="G1", accept=False)),
        return_exceptions=True,
    )
    taken = [o for o in outcomes if isinstance(o, str)]
    refusals = [o for o in outcomes if isinstance(o, WorkflowUpdateFailedError)]
    assert len(taken) == 1 and len(refusals) == 1, outcomes
    accepted = outcomes[0] is taken[0]
    verdict = "accepted" if accepted else "declined"
    assert f"You have already {verdict} this invitation" in str(refusals[0].cause)
    result = await alums.result()
    assert result.status is (InvitationStatus.ACCEPTED if accepted else InvitationStatus.DECLINED)


async def test_an_answer_after_the_expiry_is_refused(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> None:
    """The worker was down past the expiry: the late answer reaches the
    workflow together with the timer that was due, and the validator says no.
    On the dev server in real seconds (the time-skipping server does not skip
    past a workflow task that no worker picks up)."""
    cohort = f"grad-{uuid.uuid4().hex[:8]}"
    with transaction(sqlite_url) as session:
        add_directory(session)
        add_cohort(session, cohort, program(reminder_after="PT2S", expires_after="PT4S"))
        graduate(session, cohort, "G1", would_mentor=WouldMentor.YES, mean_value=4.5)
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    site = Alumni(dev_env, settings, smtp_server, sqlite_url, task_queue)
    async with worker_for(dev_env.client, settings, task_queue):
        assert await site.invite(cohort) == GIL_AND_HIS_MENTOR
        await site.mail("Pay it forward")
        snap = await site.status(cohort=cohort)
    assert snap.expires_at is not None
    await asyncio.sleep(max(0.0, (snap.expires_at - datetime.now(UTC)).total_seconds()) + 0.5)
    late = asyncio.create_task(site.answer(accept(), cohort=cohort))
    await asyncio.sleep(0.3)
    assert not late.done()  # no worker: nobody has looked at it yet
    async with worker_for(dev_env.client, settings, task_queue):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await late
        assert "This invitation has expired" in str(refused.value.cause)
        result = await site.result(cohort=cohort)
    assert result.status is InvitationStatus.EXPIRED
    # No reminder for an invitation whose link is already dead.
    assert [str(m["Subject"]) for m in smtp_server.recorder.to(GIL)] == [
        "Pay it forward: mentor in the next cohort of Engineering Mentoring"
    ]
    assert site.stored_invitation(cohort=cohort)[0] == "expired"
