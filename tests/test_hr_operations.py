"""The operations layer every front calls (``mentorflow.hr``), on the dev
server and the real store: what it returns, and the one ``HrError`` it raises
for each way an operation cannot be done, so the CLI, console and API never
handle Temporal's or the store's exceptions themselves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from mentorflow.cohorts.models import ReviewDecision
from mentorflow.cohorts.states import CohortStatus as CohortState
from mentorflow.hr import cohorts, mentorships
from mentorflow.hr.audited import Actor
from mentorflow.hr.errors import (
    Conflict,
    DidNotStart,
    InvalidInput,
    NotFound,
    ProgramProblems,
    Refused,
)
from mentorflow.hr.reports import cohort_report
from mentorflow.store.audit import list_audit
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade
from mentorflow.temporal_bins import time_skipping_server_path
from tests.conftest import SmtpServer
from tests.support.pairs import SIX_MONTHS_BIWEEKLY, settings_for, start_pair, worker_for
from tests.test_cohort_launch import cohort_rows, program_file

ANNA = Actor(who="anna@example.com", request_id="req-1")


def trail(sessions) -> list[tuple[str, str, str, str, str]]:  # type: ignore[no-untyped-def]
    """The audit log, oldest first: who, action, target, result, error code."""
    with sessions() as session:
        rows = list(reversed(list_audit(session)))
    return [(r.actor, r.action, r.target, r.result, r.detail.get("code", "")) for r in rows]


@pytest.fixture
def sessions(sqlite_url: str):  # type: ignore[no-untyped-def]
    upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_a_program_file_that_does_not_read_names_its_line(tmp_path: Path) -> None:
    path = program_file(tmp_path, "cadence: fortnightly\n")
    with pytest.raises(ProgramProblems) as problems:
        cohorts.read_program(path)
    assert str(path) in problems.value.message and "cadence" in problems.value.message
    with pytest.raises(ProgramProblems, match=r"missing\.yaml:1: cannot read the file"):
        cohorts.read_program(tmp_path / "missing.yaml")


async def test_launch_status_conflict_and_missing_cohorts(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
    sessions,  # type: ignore[no-untyped-def]
) -> None:
    client = dev_env.client
    program = cohorts.read_program(program_file(tmp_path))
    name = f"hr-{task_queue[-8:]}"
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(client, settings, task_queue):
        launched = await cohorts.launch_cohort(
            sessions, client, task_queue, program, name, actor=ANNA
        )
        assert launched.workflow_id == f"cohort:{name}"
        assert launched.closes_at - launched.opens_at == timedelta(minutes=10)
        status = await cohorts.cohort_status(sessions, client, name)
        assert status.snapshot.status is CohortState.OPEN
        assert sum(status.review.applications.values()) == 0

        with pytest.raises(Conflict, match="exists already"):
            await cohorts.launch_cohort(sessions, client, task_queue, program, name, actor=ANNA)
        # A review while applications are open: the workflow's rule, one line.
        with pytest.raises(Refused) as refused:
            await cohorts.review_cohort(sessions, client, name, ReviewDecision(), actor=ANNA)
        assert refused.value.reasons and refused.value.code == "refused"
        await cohorts.close_applications(sessions, client, name, actor=ANNA)
        await client.get_workflow_handle(launched.workflow_id).terminate("test over")

    with pytest.raises(NotFound, match="no cohort 'nobody': launch it first"):
        await cohorts.cohort_status(sessions, client, "nobody")
    with pytest.raises(NotFound):
        await cohorts.close_applications(sessions, client, "nobody", actor=ANNA)
    with pytest.raises(InvalidInput, match="nothing launched"):
        await cohorts.launch_cohort(
            sessions, client, task_queue, program, "soon", actor=ANNA, closes_in="P99999999D"
        )
    assert "soon" not in cohort_rows(sqlite_url)
    # Every attempt is on record once, with how it ended; reads are not.
    assert trail(sessions) == [
        ("anna@example.com", "launch", f"cohort:{name}", "ok", ""),
        ("anna@example.com", "launch", f"cohort:{name}", "refused", "conflict"),
        ("anna@example.com", "approve", f"cohort:{name}", "refused", "refused"),
        ("anna@example.com", "close", f"cohort:{name}", "ok", ""),
        ("anna@example.com", "close", "cohort:nobody", "refused", "not_found"),
        ("anna@example.com", "launch", "cohort:soon", "refused", "invalid"),
    ]


async def test_a_launch_no_worker_runs_is_withdrawn(
    dev_env: WorkflowEnvironment,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
    sessions,  # type: ignore[no-untyped-def]
) -> None:
    program = cohorts.read_program(program_file(tmp_path))
    with pytest.raises(DidNotStart, match="stopped and withdrawn"):
        await cohorts.launch_cohort(
            sessions,
            dev_env.client,
            task_queue,
            program,
            "idle",
            actor=ANNA,
            confirm_within=timedelta(seconds=1),
        )
    assert "idle" not in cohort_rows(sqlite_url)
    assert trail(sessions) == [
        ("anna@example.com", "launch", "cohort:idle", "failed", "did_not_start")
    ]


async def test_hr_acts_on_a_pair_through_its_validated_updates(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
    sessions,  # type: ignore[no-untyped-def]
) -> None:
    client = dev_env.client
    settings = settings_for(tmp_path, sqlite_url, smtp_server.port)
    async with worker_for(client, settings, task_queue):
        handle = await start_pair(client, task_queue, SIX_MONTHS_BIWEEKLY, task_queue)
        assert (await mentorships.pause(sessions, client, handle.id, "Leave", actor=ANNA)).message
        with pytest.raises(Refused):
            await mentorships.pause(sessions, client, handle.id, actor=ANNA)  # paused already
        assert (await mentorships.resume(sessions, client, handle.id, actor=ANNA)).message
        await mentorships.end_early(sessions, client, handle.id, "Moved teams", actor=ANNA)
        snapshot = await mentorships.mentorship_snapshot(client, handle.id)
        assert snapshot.outcome is not None and snapshot.outcome.value == "ended_early"
        assert mentorships.stored_checkins(sessions, handle.id) == []
    with pytest.raises(NotFound, match="no mentorship 'mentorship:x:y:z'"):
        await mentorships.mentorship_snapshot(client, "mentorship:x:y:z")
    assert [(action, result) for _, action, _, result, _ in trail(sessions)] == [
        ("pause", "ok"),
        ("pause", "refused"),
        ("resume", "ok"),
        ("end", "ok"),
    ]
    with sessions() as session:
        (ended,) = list_audit(session, action="end")
        assert ended.detail == {"reason": "Moved teams"} and ended.target == handle.id


def test_a_report_names_what_is_wrong(sessions) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match="no cohort 'nobody'"):
        cohort_report(sessions, "nobody", "json", actor=ANNA)
    with pytest.raises(InvalidInput, match="choose one of html, csv, json"):
        cohort_report(sessions, "nobody", "pdf", actor=ANNA)
    with pytest.raises(InvalidInput, match="with the csv format"):
        cohort_report(sessions, "nobody", "json", table="blockers", actor=ANNA)
    assert [(action, code) for _, action, _, _, code in trail(sessions)] == [
        ("export", "not_found"),
        ("export", "invalid"),
        ("export", "invalid"),
    ]


def test_the_shell_actor_is_the_login_name() -> None:
    assert Actor.shell().who.startswith("cli:") and len(Actor.shell().who) > 4


async def test_a_namespace_without_the_search_attributes_says_how_to_fix_it(
    tmp_path: Path,
    sqlite_url: str,
    task_queue: str,
    sessions,  # type: ignore[no-untyped-def]
) -> None:
    bare = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter,
        test_server_existing_path=str(time_skipping_server_path()),
    )
    try:
        program = cohorts.read_program(program_file(tmp_path))
        with pytest.raises(
            DidNotStart, match=r"search attribute Mentorflow\w+ is not defined.*deploy/README\.md"
        ):
            await cohorts.launch_cohort(
                sessions, bare.client, task_queue, program, "bare", actor=ANNA
            )
    finally:
        await bare.shutdown()
    assert "bare" not in cohort_rows(sqlite_url)
    assert trail(sessions) == [
        ("anna@example.com", "launch", "cohort:bare", "failed", "did_not_start")
    ]
