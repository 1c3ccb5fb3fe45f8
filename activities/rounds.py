"""Round activities: a round's record in the store, its matching run over
everyone waiting, and opening the next round when the Schedule says so."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from mentorflow.cohorts.matching import run_matching
from mentorflow.cohorts.models import MatchingSummary
from mentorflow.cohorts.round_start import open_round
from mentorflow.cohorts.rounds import RoundDue, RoundDueResult, RoundRecord, RoundRef
from mentorflow.cohorts.states import RoundTrigger
from mentorflow.store import rounds
from mentorflow.store.rounds import RoundRefused


class RoundActivities:
    def __init__(self, sessions: sessionmaker[Session], task_queue: str) -> None:
        self._sessions = sessions
        self._task_queue = task_queue

    @property
    def activities(self) -> list[Callable[..., object]]:
        return [self.record_round, self.run_round_matching, self.open_due_round]

    @activity.defn
    async def record_round(self, record: RoundRecord) -> None:
        def write() -> None:
            with self._sessions.begin() as session:
                rounds.update_round(
                    session,
                    record.cohort,
                    record.number,
                    status=record.status,
                    at=datetime.now(UTC),
                    **record.model_dump(exclude={"cohort", "number", "status"}),
                )

        await asyncio.to_thread(write)

    @activity.defn
    async def run_round_matching(self, ref: RoundRef) -> MatchingSummary:
        """One run over everyone waiting when the round opened; a retry of
        the same run finds it stored (same input, same result)."""

        def work() -> MatchingSummary:
            with self._sessions.begin() as session:
                row = rounds.get_round(session, ref.cohort, ref.number)
                if row is None:
                    raise LookupError(f"no round {ref.number} of {ref.cohort}")
                outcome = run_matching(session, ref.cohort, ref.number, row.opened_at)
                row.run_id = outcome.run_id
                return MatchingSummary(
                    run_id=outcome.run_id,
                    mentees=len(outcome.problem.mentees),
                    mentors=len(outcome.problem.mentors),
                    matched=outcome.result.matched_count,
                    unmatched=len(outcome.result.unmatched_mentees),
                    total_score=outcome.result.total_score,
                )

        return await asyncio.to_thread(work)

    @activity.defn
    async def open_due_round(self, due: RoundDue) -> RoundDueResult:
        """The Schedule's tick: the next round, unless one is still open."""
        try:
            opened = await open_round(
                activity.client(),
                self._sessions,
                self._task_queue,
                due.cohort,
                RoundTrigger.SCHEDULE,
                "schedule",
            )
        except RoundRefused as exc:
            activity.logger.info("no round opened: %s", exc)
            return RoundDueResult(skipped=str(exc))
        return RoundDueResult(opened=opened)
