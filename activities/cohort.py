"""Cohort activities: the cohort's record, its matching runs, HR's approval,
the pairs to start (a page at a time), the match notices to applications, and
the notice to applications still on their way to the pool that it is closed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.applications.admission import admit_waiting
from mentorflow.applications.models import MatchNotice, PoolClosed, application_workflow_id
from mentorflow.applications.start import SubmitOutcome
from mentorflow.cohorts.matching import run_matching
from mentorflow.cohorts.models import (
    ApprovalRecord,
    ApprovedPlan,
    ClosePool,
    CohortRecord,
    CohortStatusRecord,
    MatchingSummary,
    NotifyApplications,
    PairsPage,
    PairsPageResult,
)
from mentorflow.cohorts.plan import (
    OverrideError,
    approved_pairs,
    check_hard_rules,
    mentorship_inputs,
)
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.matching import MatchingInput, MatchingResult
from mentorflow.models import Role, mentorship_workflow_id
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts

A = TypeVar("A")
R = TypeVar("R")

#: Applications on their way to the pool: not in it yet, not finished.
_ON_THE_WAY = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ELIGIBLE,
    ApplicationStatus.AWAITING_MANAGER,
)


class CohortActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def activities(self) -> list[Callable[..., object]]:
        return [
            self.record_cohort,
            self.set_cohort_status,
            self.run_matching,
            self.approve_matching,
            self.pairs_page,
            self.notify_applications,
            self.close_pool,
            self.admit_held_applications,
        ]

    @activity.defn
    async def record_cohort(self, record: CohortRecord) -> None:
        def write(session: Session, record: CohortRecord) -> None:
            cohorts.create_cohort(
                session,
                record.cohort,
                record.program,
                opens_at=record.opens_at,
                closes_at=record.closes_at,
            )

        await self._run(write, record)

    @activity.defn
    async def set_cohort_status(self, record: CohortStatusRecord) -> None:
        def write(session: Session, record: CohortStatusRecord) -> None:
            if cohorts.get_cohort(session, record.cohort).status != record.status:  # type: ignore[union-attr]
                cohorts.set_cohort_status(session, record.cohort, record.status)

        await self._run(write, record)

    @activity.defn
    async def run_matching(self, cohort: str) -> MatchingSummary:
        def work(session: Session, cohort: str) -> MatchingSummary:
            outcome = run_matching(session, cohort)
            result = outcome.result
            return MatchingSummary(
                run_id=outcome.run_id,
                mentees=len(outcome.problem.mentees),
                mentors=len(outcome.problem.mentors),
                matched=result.matched_count,
                unmatched=len(result.unmatched_mentees),
                total_score=result.total_score,
            )

        return await self._run(work, cohort)

    @activity.defn
    async def approve_matching(self, record: ApprovalRecord) -> ApprovedPlan:
        def work(session: Session, record: ApprovalRecord) -> ApprovedPlan:
            run = cohorts.get_matching_run(session, record.run_id)
            if run is not None and not run.approved:
                check_hard_rules(MatchingInput.model_validate(run.input), record.overrides)
            cohorts.approve_matching_run(
                session, record.run_id, record.overrides.model_dump(mode="json")
            )
            _run, pairs = approved_pairs(session, record.run_id)
            return ApprovedPlan(run_id=record.run_id, pairs=len(pairs))

        return await self._run(work, record)

    @activity.defn
    async def pairs_page(self, page: PairsPage) -> PairsPageResult:
        def work(session: Session, page: PairsPage) -> PairsPageResult:
            run, pairs = approved_pairs(session, page.run_id)
            chunk = pairs[page.offset : page.offset + page.limit]
            return PairsPageResult(pairs=mentorship_inputs(session, page.cohort, chunk, run))

        return await self._run(work, page)

    @activity.defn
    async def notify_applications(self, request: NotifyApplications) -> int:
        """Tells every application in the pool whether it was matched; people
        left out hear why and stay first in line for the next round."""

        def plan(session: Session, request: NotifyApplications) -> dict[str, MatchNotice]:
            run, pairs = approved_pairs(session, request.run_id)
            result = MatchingResult.model_validate(run.result)
            reasons = {u.mentee_id: u.text for u in result.unmatched_mentees}
            mentorships: dict[str, list[str]] = {}
            for pair in pairs:
                ids = mentorship_workflow_id(request.cohort, pair.mentor_id, pair.mentee_id)
                for person in (pair.mentor_id, pair.mentee_id):
                    mentorships.setdefault(person, []).append(ids)
            notices: dict[str, MatchNotice] = {}
            pool = cohorts.list_applications(session, request.cohort, ApplicationStatus.APPROVED)
            for application in pool:
                person = application.employee_id
                if person in mentorships:
                    notices[person] = MatchNotice(matched=True, mentorship_ids=mentorships[person])
                elif request.matched_only:
                    continue  # still waiting: the next round looks again
                elif application.role == Role.MENTEE.value and person not in notices:
                    reason = reasons.get(person, "HR changed the proposal.")
                    notices[person] = MatchNotice(matched=False, reason=reason)
                elif person not in notices:
                    reason = "Every mentee found a mentor before we reached you this round."
                    notices[person] = MatchNotice(matched=False, reason=reason)
            return notices

        notices = await self._run(plan, request)
        await _signal_applications(request.cohort, "match_notice", sorted(notices.items()))
        return len(notices)

    @activity.defn
    async def close_pool(self, request: ClosePool) -> int:
        """Signals ``pool_closed`` to every application still checked for
        eligibility or awaiting a manager, one at a time (nothing piles up
        pending in any workflow); returns how many were told."""

        def waiting(session: Session, request: ClosePool) -> list[str]:
            rows = cohorts.list_applications(session, request.cohort, _ON_THE_WAY)
            return sorted({row.employee_id for row in rows})

        people = await self._run(waiting, request)
        notice = PoolClosed(cohort=request.cohort)
        await _signal_applications(request.cohort, "pool_closed", [(p, notice) for p in people])
        return len(people)

    async def _run(self, work: Callable[[Session, A], R], arg: A) -> R:
        def transaction() -> R:
            with self._sessions.begin() as session:
                return work(session, arg)

        try:
            return await asyncio.to_thread(transaction)
        except OverrideError as exc:
            raise ApplicationError(str(exc), type="OverrideError", non_retryable=True) from exc
        except cohorts.CohortStoreError as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc

    @activity.defn
    async def admit_held_applications(self, cohort: str) -> int:
        """Submits, pre-approved, every application held for this cohort's
        program (alumni who accepted to mentor, mentees whose mentor left);
        returns how many went in."""

        def program_of(session: Session, name: str) -> ProgramConfig:
            stored = cohorts.get_cohort(session, name)
            if stored is None:
                raise ApplicationError(f"no cohort {name!r}", type="UnknownCohort")
            return cohorts.cohort_program(stored)

        program = await self._run(program_of, cohort)
        results = await admit_waiting(
            activity.client(), activity.info().task_queue, self._sessions, cohort, program
        )
        return sum(result.outcome is SubmitOutcome.SUBMITTED for result in results)


async def _signal_applications(
    cohort: str, signal: str, notices: list[tuple[str, MatchNotice | PoolClosed]]
) -> None:
    """Signals each person's application in turn (nothing piles up pending in
    any workflow), heartbeating as it goes."""
    client = activity.client()
    for index, (person, notice) in enumerate(notices):
        handle = client.get_workflow_handle(application_workflow_id(cohort, person))
        try:
            await handle.signal(signal, notice)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise
            # Finished meanwhile, or an application recorded without its
            # workflow (imported by hand): its row is all there is.
            activity.logger.warning("no running application workflow for %s", person)
        activity.heartbeat(index)
