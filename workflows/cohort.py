"""CohortWorkflow: one cohort of a program, from open applications to closed.

applications open → close (at the set time, or early by HR) → applications
not yet in the pool told it is closed → matching run → HR review (approve,
with overrides; or re-run) → match notices to every application →
MentorshipWorkflows started as children in a sliding window → all pairs done →
graduates invited to mentor in the next cohort → closed, with the tally of
outcomes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.alumni import AlumniActivities
    from activities.cohort import CohortActivities
    from mentorflow.alumni.models import InviteAlumni
    from mentorflow.cohorts.models import (
        ApprovalRecord,
        ClosePool,
        CloseRequest,
        CohortInput,
        CohortRecord,
        CohortResult,
        CohortSnapshot,
        CohortStatusRecord,
        MatchingSummary,
        NotifyApplications,
        PairsPage,
        ReviewDecision,
    )
    from mentorflow.cohorts.states import CohortStatus
    from mentorflow.models import ActionReceipt, MentorshipInput, MentorshipResult, Outcome
    from workflows.mentorship import MentorshipWorkflow

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    non_retryable_error_types=["OverrideError", "CohortStoreError", "UnknownCohort"],
)
# Matching thousands of people is CPU work measured in seconds, not minutes.
MATCHING_TIMEOUT = timedelta(minutes=10)
STEP_TIMEOUT = timedelta(minutes=2)


@workflow.defn
class CohortWorkflow:
    @workflow.init
    def __init__(self, input: CohortInput) -> None:
        self._input = input
        self._status = CohortStatus.OPEN
        self._closed_early = False
        self._proposal: MatchingSummary | None = None
        self._decision: ReviewDecision | None = None
        self._planned = 0
        self._started = 0
        self._outcomes: Counter[Outcome] = Counter()

    @workflow.run
    async def run(self, input: CohortInput) -> CohortResult:
        await self._activity(
            CohortActivities.record_cohort,
            CohortRecord(
                cohort=input.cohort,
                program=input.program,
                opens_at=input.opens_at,
                closes_at=input.closes_at,
            ),
        )
        if workflow.patched("admit-held-applications"):
            # Alumni who said yes and mentees whose mentor left go in first,
            # already approved.
            await self._activity(
                CohortActivities.admit_held_applications,
                input.cohort,
                start_to_close=timedelta(minutes=30),
            )
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: self._closed_early,
                timeout=max(input.closes_at - workflow.now(), timedelta(seconds=1)),
            )
        await self._propose(first=True)
        run_id = await self._review()
        await self._set_status(CohortStatus.RUNNING)
        await self._activity(
            CohortActivities.notify_applications,
            NotifyApplications(cohort=input.cohort, run_id=run_id),
            # One signal per application: long for a big cohort, so heartbeated.
            start_to_close=timedelta(minutes=30),
            heartbeat_timeout=timedelta(minutes=1),
        )
        await self._start_pairs(run_id)
        if workflow.patched("invite-alumni"):
            # Every pair is done: graduates who would mentor hear about the next cohort.
            await self._activity(
                AlumniActivities.invite_alumni,
                InviteAlumni(cohort=input.cohort),
                start_to_close=timedelta(minutes=30),
                heartbeat_timeout=timedelta(minutes=1),
            )
        await self._set_status(CohortStatus.CLOSED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return CohortResult(cohort=input.cohort, pairs=self._planned, outcomes=dict(self._outcomes))

    async def _propose(self, first: bool = False) -> None:
        await self._set_status(CohortStatus.MATCHING)
        if first and workflow.patched("close-application-pool"):
            # Applications still waiting for eligibility or a manager hear that
            # the pool is closed, so a late approval ends them (held for the
            # next cohort) instead of leaving them waiting for a match.
            await self._activity(
                CohortActivities.close_pool,
                ClosePool(cohort=self._input.cohort),
                start_to_close=timedelta(minutes=30),
                heartbeat_timeout=timedelta(minutes=1),
            )
        self._proposal = await self._activity(
            CohortActivities.run_matching, self._input.cohort, start_to_close=MATCHING_TIMEOUT
        )
        await self._set_status(CohortStatus.REVIEW)

    async def _review(self) -> int:
        """Until HR approves: a re-run makes a new proposal to review."""
        while True:
            await workflow.wait_condition(lambda: self._decision is not None)
            decision, self._decision = self._decision, None
            assert decision is not None and self._proposal is not None
            if decision.rerun:
                await self._propose()
                continue
            return self._proposal.run_id

    async def _start_pairs(self, run_id: int) -> None:
        """Pages of pairs from the store; at most ``start_window`` child starts
        in flight, so that thousands of pairs start smoothly."""
        window = asyncio.Semaphore(self._input.start_window)
        running: list[asyncio.Task[None]] = []
        offset = 0
        while offset < self._planned:
            page = await self._activity(
                CohortActivities.pairs_page,
                PairsPage(
                    cohort=self._input.cohort,
                    run_id=run_id,
                    offset=offset,
                    limit=self._input.page_size,
                ),
            )
            for pair in page.pairs:
                await window.acquire()
                running.append(asyncio.create_task(self._run_pair(pair, window)))
            offset += self._input.page_size
        await asyncio.gather(*running)

    async def _run_pair(self, pair: MentorshipInput, window: asyncio.Semaphore) -> None:
        try:
            handle = await workflow.start_child_workflow(
                MentorshipWorkflow.run,
                pair,
                id=pair.workflow_id,
                # A pair lives on even if its cohort's workflow is reset or ended.
                parent_close_policy=ParentClosePolicy.ABANDON,
            )
        finally:
            window.release()
        self._started += 1
        result: MentorshipResult = await handle
        self._outcomes[result.outcome] += 1

    # ------------------------------------------------------------------ HR

    @workflow.update
    async def close_applications(self, request: CloseRequest) -> ActionReceipt:
        self._closed_early = True
        return ActionReceipt(message="Applications are closed; matching starts now.")

    @close_applications.validator
    def _validate_close(self, request: CloseRequest) -> None:
        if self._status != CohortStatus.OPEN or self._closed_early:
            raise ValueError(f"Applications are not open (the cohort is {self._status.value}).")

    @workflow.update
    async def review(self, decision: ReviewDecision) -> ActionReceipt:
        assert self._proposal is not None
        if decision.rerun:
            self._decision = decision
            return ActionReceipt(message="Matching runs again; review the new proposal.")
        try:
            plan = await self._activity(
                CohortActivities.approve_matching,
                ApprovalRecord(
                    cohort=self._input.cohort,
                    run_id=self._proposal.run_id,
                    overrides=decision.overrides,
                ),
            )
        except ActivityError as err:
            # An override HR cannot have meant: say why; the proposal stays in review.
            cause = err.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(cause)
            raise ApplicationError(message, type="OverrideError") from err
        self._planned = plan.pairs
        self._decision = decision
        return ActionReceipt(message=f"Approved: {plan.pairs} pairs start now.")

    @review.validator
    def _validate_review(self, decision: ReviewDecision) -> None:
        if self._status != CohortStatus.REVIEW or self._proposal is None:
            raise ValueError(
                f"There is no proposal to review (the cohort is {self._status.value})."
            )
        if self._decision is not None:
            raise ValueError("A decision on this proposal is already being carried out.")
        # The hard rules' data (reporting lines, languages...) lives in the
        # stored run, not here: the approval activity checks forced pairs
        # against it, and refuses the update, for every front alike.
        problems = decision.overrides.problems()
        if problems:
            raise ValueError("; ".join(problems))

    @workflow.query
    def status(self) -> CohortSnapshot:
        return CohortSnapshot(
            cohort=self._input.cohort,
            status=self._status,
            closes_at=self._input.closes_at,
            proposal=self._proposal,
            pairs_planned=self._planned,
            pairs_started=self._started,
            pairs_done=sum(self._outcomes.values()),
            outcomes=dict(self._outcomes),
        )

    # ------------------------------------------------------------------ helpers

    async def _set_status(self, status: CohortStatus) -> None:
        self._status = status
        await self._activity(
            CohortActivities.set_cohort_status,
            CohortStatusRecord(cohort=self._input.cohort, status=status),
        )

    async def _activity(
        self,
        method: Any,
        arg: Any,
        *,
        start_to_close: timedelta = STEP_TIMEOUT,
        heartbeat_timeout: timedelta | None = None,
    ) -> Any:
        return await workflow.execute_activity_method(
            method,
            arg,
            start_to_close_timeout=start_to_close,
            heartbeat_timeout=heartbeat_timeout,
            retry_policy=RETRY,
        )
