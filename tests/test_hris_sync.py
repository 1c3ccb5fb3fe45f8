"""HrisSyncWorkflow from a CSV export on the dev server, with the real
activities, store and SMTP server: what a directory change does to the
applications and mentorships it touches, and what a bad export does not."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from mentorflow.applications.models import ApplicationDetails, ApplicationInput
from mentorflow.cohorts.states import ApplicationStatus, PendingReason, SyncStatus
from mentorflow.hris.apply import held_directory
from mentorflow.hris.models import SyncOutcome
from mentorflow.models import Outcome, PauseRequest, Role
from mentorflow.notices.run import send_digest_now
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade
from mentorflow.store.schema import HrisSync, Mentorship, PendingApplication, Person
from tests.conftest import SmtpServer
from tests.support.hris import ORGANISATION, SyncDesk, changed, export, without
from tests.support.pairs import PM, SIX_MONTHS_BIWEEKLY, settings_for, start_pair, worker_for
from workflows.application import ApplicationWorkflow
from workflows.mentorship import MentorshipWorkflow

ALERTS = "hris-alerts@example.com"


def key_ends(suffix: str):  # type: ignore[no-untyped-def]
    return lambda m: str(m["X-Mentorflow-Key"]).endswith(suffix)


@pytest.fixture
async def desk(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[SyncDesk]:
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port).model_copy(
        update={"hris_alert_email": ALERTS}
    )
    upgrade(sqlite_url)
    desk = SyncDesk(dev_env.client, settings, task_queue)
    async with worker_for(dev_env.client, settings, task_queue):
        first = await desk.sync(export(tmp_path / "today.csv", ORGANISATION))
        assert first.status is SyncStatus.APPLIED and first.joiners == len(ORGANISATION)
        yield desk


async def running_pair(desk: SyncDesk):  # type: ignore[no-untyped-def]
    handle = await start_pair(
        desk.client, desk.task_queue, SIX_MONTHS_BIWEEKLY, cohort=f"c{uuid.uuid4().hex[:8]}"
    )
    await desk.until(lambda s: s.get(Mentorship, handle.id))
    return handle


async def test_a_mentor_who_leaves_ends_the_pair_kindly_and_the_mentee_is_carried_over(
    desk: SyncDesk, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    handle = await running_pair(desk)

    outcome = await desk.sync(export(tmp_path / "left.csv", without(ORGANISATION, "E100")))

    assert outcome.status is SyncStatus.APPLIED
    assert [leaver.employee_id for leaver in outcome.leavers] == ["E100"]
    assert [m.mentorship_id for m in outcome.leavers[0].mentorships] == [handle.id]
    assert outcome.effects.mentorships_ended == 1
    assert outcome.effects.mentees_waitlisted == 1
    result = await handle.result()
    assert result.outcome is Outcome.PARTICIPANT_LEFT
    # The partner hears kindly, HR plainly in the day's digest; the leaver
    # gets no farewell.
    note = await smtp_server.recorder.wait_for(key_ends(":ended:E200"))
    assert "eli.mentee@example.com" in str(note["To"])
    assert not [m for m in smtp_server.recorder.messages if key_ends(":ended:hr")(m)]
    digest = await send_digest_now(desk.client, desk.task_queue)
    assert [(d.to, d.notices) for d in digest.digests] == [(PM, 1)]
    mail = await smtp_server.recorder.wait_for(
        lambda m: str(m["X-Mentorflow-Key"]).strip().startswith("hr-digest:")
    )
    text = mail.get_body(("plain",)).get_content()
    assert "Participants who left the organisation: 1" in text and "left the organisation" in text
    assert not [m for m in smtp_server.recorder.messages if key_ends(":ended:E100")(m)]
    held = desk.read(lambda s: s.get(PendingApplication, f"waitlist:{handle.id}"))
    assert held is not None and held.employee_id == "E200" and held.role == Role.MENTEE.value
    assert held.reason == PendingReason.WAITLIST.value and held.admitted_cohort is None
    assert held.program_name == SIX_MONTHS_BIWEEKLY.program_name
    assert desk.read(lambda s: s.get(Person, "E100").active) is False

    # The same export again changes nothing and touches nobody.
    again = await desk.sync(tmp_path / "left.csv")
    assert again.leavers == [] and again.joiners == again.updates == 0


async def test_a_changed_email_is_used_from_then_on_and_a_new_reporting_line_alerts_hr(
    desk: SyncDesk, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    handle = await running_pair(desk)
    moved = changed(ORGANISATION, "E200", email="eli.okafor@example.com", manager_id="E100")

    outcome = await desk.sync(export(tmp_path / "moved.csv", moved))

    assert [c.participant.employee_id for c in outcome.contact_changes] == ["E200"]
    assert outcome.effects.contacts_updated == 1
    [alert] = outcome.reporting_line_alerts
    assert alert.mentorship_id == handle.id and alert.detail == "E200 now reports to E100"
    mail = await smtp_server.recorder.wait_for(key_ends(f"reporting-line:{handle.id}"))
    assert PM in str(mail["To"]) and "one reporting line" in str(mail["Subject"])

    await handle.execute_update(MentorshipWorkflow.pause, PauseRequest(by="hr", reason="leave"))
    paused = await smtp_server.recorder.wait_for(
        lambda m: "paused" in str(m["X-Mentorflow-Key"]) and "eli" in str(m["To"])
    )
    assert "eli.okafor@example.com" in str(paused["To"])
    snap = await handle.query(MentorshipWorkflow.snapshot)
    assert snap.mentee.email == "eli.okafor@example.com"


async def test_a_leavers_open_application_is_withdrawn(desk: SyncDesk, tmp_path: Path) -> None:
    cohort = f"c{uuid.uuid4().hex[:8]}"
    program = ProgramConfig(
        name="Engineering Mentoring",
        program_manager_email=PM,
        manager_approval={"required": True, "timeout": "P7D"},
    )
    engine = make_engine(desk.settings.resolved_database_url)
    with make_sessionmaker(engine).begin() as session:
        now = datetime.now(UTC)
        cohorts.create_cohort(
            session, cohort, program, opens_at=now, closes_at=now + timedelta(days=7)
        )
    engine.dispose()
    application = ApplicationInput(
        cohort=cohort, employee_id="F1", manager_approval=program.manager_approval
    )
    handle = await desk.client.start_workflow(
        ApplicationWorkflow.run, application, id=application.workflow_id, task_queue=desk.task_queue
    )
    await handle.execute_update(ApplicationWorkflow.submit, ApplicationDetails(roles=[Role.MENTEE]))
    await desk.until(
        lambda s: (
            (row := cohorts.get_application(s, cohort, "F1", Role.MENTEE))
            and row.status == ApplicationStatus.AWAITING_MANAGER.value
        )
    )

    outcome = await desk.sync(export(tmp_path / "left.csv", without(ORGANISATION, "F1")))

    assert outcome.leavers[0].open_applications == [application.workflow_id]
    assert outcome.effects.applications_withdrawn == 1
    snapshot = await handle.result()
    assert snapshot.status is ApplicationStatus.WITHDRAWN


async def test_the_mass_leaver_guard_applies_nothing_and_alerts_until_hr_confirms(
    desk: SyncDesk, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    handle = await running_pair(desk)
    truncated = export(tmp_path / "truncated.csv", without(ORGANISATION, "E100", "F1"))
    before = desk.read(held_directory)

    refused = await desk.sync(truncated)

    assert refused.status is SyncStatus.REFUSED and refused.leaving == 2
    assert "2 of 12 active people" in refused.reason and "--accept-leavers 2" in refused.reason
    assert desk.read(held_directory) == before
    assert (await handle.query(MentorshipWorkflow.snapshot)).outcome is None
    assert ALERTS in refused.alert_recipients
    alert = await smtp_server.recorder.wait_for(lambda m: ALERTS in str(m["To"]))
    assert "2 people would leave" in str(alert["Subject"])
    row = desk.read(lambda s: s.get(HrisSync, refused.sync_id))
    assert row.status == SyncStatus.REFUSED.value

    confirmed = await desk.sync(truncated, accept_leavers=2)
    assert confirmed.status is SyncStatus.APPLIED and confirmed.leaving == 2
    assert (await handle.result()).outcome is Outcome.PARTICIPANT_LEFT


async def test_a_malformed_export_applies_nothing_and_says_which_line(
    desk: SyncDesk, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    good = export(tmp_path / "good.csv", changed(ORGANISATION, "F2", department="Data"))
    lines = good.read_text().splitlines()
    lines[4] = lines[4].replace("@example.com", "-at-example.com")  # line 5: a bad email
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    before = desk.read(held_directory)

    outcome = await desk.sync(bad)

    assert outcome.status is SyncStatus.FAILED
    assert ":5:" in outcome.reason and "nothing applied" in outcome.reason
    assert desk.read(held_directory) == before
    await smtp_server.recorder.wait_for(
        lambda m: ALERTS in str(m["To"]) and "failed" in str(m["Subject"])
    )
    failed = desk.read(
        lambda s: s.scalars(select(HrisSync).where(HrisSync.sync_id == outcome.sync_id)).one()
    )
    assert failed.status == SyncStatus.FAILED.value and ":5:" in failed.reason


async def test_an_export_of_only_a_header_is_not_everyone_leaving(
    desk: SyncDesk, tmp_path: Path
) -> None:
    """Not even HR's confirmation of twelve leavers applies an empty export:
    an export with no rows is a broken export, not an empty company."""
    empty = export(tmp_path / "empty.csv", [])
    before = desk.read(held_directory)

    outcome = await desk.sync(empty, accept_leavers=len(ORGANISATION))

    assert outcome.status is SyncStatus.FAILED, outcome
    assert f"{empty} holds no rows (only a header)" in outcome.reason
    assert desk.read(held_directory) == before


async def test_without_a_configured_hris_a_sync_says_how_to_configure_one(
    desk: SyncDesk,
) -> None:
    outcome: SyncOutcome = await desk.sync()
    assert outcome.status is SyncStatus.FAILED
    assert "MENTORFLOW_HRIS_SCIM_URL" in outcome.reason
