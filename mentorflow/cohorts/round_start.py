"""Opening the next matching round of an evergreen program's intake: the
round is numbered in the store (one open at a time), then its workflow is
started with the id ``round:{cohort}:{n}``. Shared by HR's "run a round now"
and the intake's Schedule, so both number and refuse the same way."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy

from mentorflow import search_attributes
from mentorflow.cohorts.rounds import RoundInput, RoundOpened, round_workflow_id
from mentorflow.cohorts.states import CohortStatus, RoundTrigger
from mentorflow.store import cohorts, rounds
from mentorflow.store.rounds import RoundRefused

#: Names, not the class: the domain package does not import ``workflows/``.
WORKFLOW_TYPE = "MatchingRoundWorkflow"


def _number_round(
    sessions: sessionmaker[Session], cohort: str, trigger: RoundTrigger, requested_by: str
) -> RoundInput:
    try:
        with sessions.begin() as session:
            stored = cohorts.get_cohort(session, cohort)
            if stored is None:
                raise cohorts.UnknownCohort(f"no cohort {cohort!r}: launch it first")
            program = cohorts.cohort_program(stored)
            if not program.evergreen:
                raise RoundRefused(
                    f"{cohort} is a cohort, not an evergreen intake: it is matched once, "
                    "when its applications close"
                )
            if stored.status != CohortStatus.OPEN.value:
                raise RoundRefused(
                    f"the intake {cohort} is {stored.status}: it runs no more rounds"
                )
            row = rounds.open_round(session, cohort, trigger, requested_by, datetime.now(UTC))
            return RoundInput(
                cohort=cohort,
                number=row.number,
                program_name=program.program_name,
                auto_approve=program.rounds.auto_approve,
            )
    except IntegrityError as exc:
        raise RoundRefused(f"another round of {cohort} was opened at the same moment") from exc


async def open_round(
    client: Client,
    sessions: sessionmaker[Session],
    task_queue: str,
    cohort: str,
    trigger: RoundTrigger,
    requested_by: str,
) -> RoundOpened:
    """The next round, started; ``RoundRefused`` (nothing started) while the
    last one is open, or when ``cohort`` is no open evergreen intake."""
    launch = _number_round(sessions, cohort, trigger, requested_by)
    try:
        await client.start_workflow(
            WORKFLOW_TYPE,
            launch,
            id=launch.workflow_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=search_attributes.for_cohort(cohort, launch.program_name),
        )
    except BaseException:
        # The number is free again, so the next attempt is not refused.
        with sessions.begin() as session:
            rounds.withdraw_round(session, cohort, launch.number)
        raise
    return RoundOpened(
        cohort=cohort,
        number=launch.number,
        workflow_id=round_workflow_id(cohort, launch.number),
        trigger=trigger,
    )
