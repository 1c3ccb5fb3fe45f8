"""HR's cohort operations: launch one from a program, read where it is (the
workflow's snapshot and the store's review), close applications early, and
decide on the matching proposal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from mentorflow import search_attributes
from mentorflow.audit import AuditAction
from mentorflow.cohorts.launch import CONFIRM_WITHIN, LaunchRefused, confirm_running, prepare_launch
from mentorflow.cohorts.models import (
    CloseRequest,
    CohortSnapshot,
    ReviewDecision,
    cohort_workflow_id,
)
from mentorflow.cohorts.review import CohortReview, read_review
from mentorflow.cohorts.round_schedule import ensure_rounds_schedule, remove_rounds_schedule
from mentorflow.hr import workflow_calls
from mentorflow.hr.audited import Actor, audited
from mentorflow.hr.errors import Conflict, DidNotStart, InvalidInput, ProgramProblems
from mentorflow.models import ActionReceipt

if TYPE_CHECKING:
    from mentorflow.hr.launching import Launcher
from mentorflow.program import ProgramConfig, load_program
from mentorflow.store import cohorts
from mentorflow.yaml_source import SourceError


class LaunchedCohort(BaseModel):
    name: str
    program_name: str
    workflow_id: str
    opens_at: datetime
    closes_at: datetime


class CohortStatus(BaseModel):
    """Where the cohort's workflow is, and what the store says about it."""

    snapshot: CohortSnapshot
    review: CohortReview


def _missing(name: str) -> str:
    return f"no cohort {name!r}: launch it first"


def read_program(path: Path, shown_as: str | None = None) -> ProgramConfig:
    """A program file, or its problems (a missing file too) as
    ``file:line: ...`` lines; ``shown_as`` names the file in them (an
    upload's own name rather than where it was saved)."""
    try:
        return load_program(path, shown_as)
    except (SourceError, OSError) as exc:
        raise ProgramProblems(str(exc)) from exc


async def launch_cohort(
    sessions: sessionmaker[Session],
    client: Client,
    task_queue: str,
    program: ProgramConfig,
    name: str,
    *,
    actor: Actor,
    closes_in: str | None = None,
    confirm_within: timedelta = CONFIRM_WITHIN,
    now: datetime | None = None,
    launcher: Launcher | None = None,
) -> LaunchedCohort:
    """Launches ``name`` of ``program``: applications open now. Returns once a
    worker has run the cohort's first step; a cohort that cannot run is
    stopped and its row withdrawn (``DidNotStart``), so the same name can be
    launched again. Connect ``client`` first: with Temporal down no row is
    left behind that would make the next attempt a ``Conflict``. With
    ``launcher`` (the console, the API), their scope is checked first."""
    target = f"cohort:{name}"
    async with audited(sessions, actor, AuditAction.LAUNCH, target, program=program.program_name):
        if launcher is not None:
            from mentorflow.hr.launching import check_may_launch

            check_may_launch(sessions, launcher, program)
        return await _launch(
            sessions, client, task_queue, program, name, closes_in, confirm_within, now
        )


async def _launch(
    sessions: sessionmaker[Session],
    client: Client,
    task_queue: str,
    program: ProgramConfig,
    name: str,
    closes_in: str | None,
    confirm_within: timedelta,
    now: datetime | None,
) -> LaunchedCohort:
    try:
        launch = prepare_launch(program, name, closes_in, now or datetime.now(UTC))
    except LaunchRefused as exc:
        raise InvalidInput(f"{exc}; nothing launched") from exc
    # The row exists before the workflow runs, so applications can be
    # imported straight away; the workflow's own record of it is idempotent.
    with sessions.begin() as session:
        cohort, created = cohorts.create_cohort(
            session, name, program, opens_at=launch.opens_at, closes_at=launch.closes_at
        )
        if not created:
            raise Conflict(f"cohort {name!r} exists already ({cohort.status})")
    try:
        handle = await client.start_workflow(
            "CohortWorkflow",
            launch,
            id=launch.workflow_id,
            task_queue=task_queue,
            search_attributes=search_attributes.for_cohort(name, program.program_name),
        )
        trouble = await confirm_running(client, handle.id, confirm_within)
        if trouble:
            await handle.terminate(f"launch failed: {trouble}")
    except RPCError as exc:
        _withdraw(sessions, name)
        if exc.status is RPCStatusCode.INVALID_ARGUMENT and "search attribute" in exc.message:
            # A namespace set up without them: say what to do, not a stack trace.
            raise DidNotStart(
                f"cohort {name} did not start: {exc.message}. Create mentorflow's search "
                "attributes in the Temporal namespace (deploy/README.md, Search attributes) "
                "and launch it again."
            ) from exc
        raise
    except BaseException:
        _withdraw(sessions, name)
        raise
    if trouble:
        _withdraw(sessions, name)
        raise DidNotStart(
            f"cohort {name} did not start: {trouble}. "
            "It was stopped and withdrawn; launch it again once this is fixed."
        )
    if program.evergreen:
        # Rounds every ``rounds.every`` from now on; HR can run one sooner.
        await ensure_rounds_schedule(client, name, program.rounds.every, task_queue)
    return LaunchedCohort(
        name=name,
        program_name=program.program_name,
        workflow_id=launch.workflow_id,
        opens_at=launch.opens_at,
        closes_at=launch.closes_at,
    )


def _withdraw(sessions: sessionmaker[Session], name: str) -> None:
    with sessions.begin() as session:
        cohorts.withdraw_cohort(session, name)


async def cohort_status(sessions: sessionmaker[Session], client: Client, name: str) -> CohortStatus:
    snapshot = await workflow_calls.query(
        client, cohort_workflow_id(name), "status", CohortSnapshot, missing=_missing(name)
    )
    with sessions() as session:
        review = read_review(session, name)
    return CohortStatus(snapshot=snapshot, review=review)


async def close_applications(
    sessions: sessionmaker[Session], client: Client, name: str, *, actor: Actor
) -> ActionReceipt:
    """Closes applications now (instead of at the set time); matching
    starts. An evergreen intake closes for good: its rounds' Schedule is
    removed, and its running pairs go on to their end."""
    async with audited(sessions, actor, AuditAction.CLOSE, f"cohort:{name}"):
        receipt = await workflow_calls.update(
            client,
            cohort_workflow_id(name),
            "close_applications",
            CloseRequest(),
            missing=_missing(name),
        )
        with sessions() as session:
            stored = cohorts.get_cohort(session, name)
            evergreen = stored is not None and cohorts.cohort_program(stored).evergreen
        if evergreen:
            await remove_rounds_schedule(client, name)
        return receipt


async def review_cohort(
    sessions: sessionmaker[Session],
    client: Client,
    name: str,
    decision: ReviewDecision,
    *,
    actor: Actor,
) -> ActionReceipt:
    """Approves the proposal with HR's overrides, or asks for a re-run. A
    forced pair that breaks a hard rule without an override's reason is
    ``Refused``, one line a pair. The audit row lists every override."""
    action = AuditAction.RERUN if decision.rerun else AuditAction.APPROVE
    overrides = decision.overrides
    detail = {
        "drop": [f"{p.mentor_id}:{p.mentee_id}" for p in overrides.drop],
        "force": [f"{p.mentor_id}:{p.mentee_id}" for p in overrides.force],
        "rule_overrides": [
            {"pair": f"{o.mentor_id}:{o.mentee_id}", "reason": o.reason}
            for o in overrides.rule_overrides
        ],
    }
    async with audited(sessions, actor, action, f"cohort:{name}", **detail):
        return await workflow_calls.update(
            client, cohort_workflow_id(name), "review", decision, missing=_missing(name)
        )
