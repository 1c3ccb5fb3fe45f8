"""CohortWorkflow: one cohort of a program, from open applications to closed.

applications open → close (at the set time, or early by HR) → applications
not yet in the pool told it is closed → matching run → HR review (approve,
with overrides; or re-run) → match notices to every application → pairs
started → all pairs done → graduates invited to mentor in the next cohort →
closed, with the tally of outcomes.

Pairs are not the cohort's children: Temporal refuses a 2,001st pending child
and every child grows the parent's history. An activity starts each page of
pairs through the client (deterministic ids, search attributes), each pair
signals the cohort when it closes, and the cohort counts the closed pairs in
the store: the signal only wakes it. The cohort continues-as-new whenever
Temporal suggests it, carrying its place (``CohortProgress``), so its history
stays small whatever the number of pairs. Cohorts that started their pairs
as children before this change finish the old way (``PAIRS_REPORT_BACK``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.alumni import AlumniActivities
    from activities.cohort import CohortActivities
    from activities.pair_starts import PairStartActivities
    from mentorflow.alumni.models import InviteAlumni
    from mentorflow.cohorts.models import (
        ApprovalRecord,
        ClosePool,
        CloseRequest,
        CohortInput,
        CohortProgress,
        CohortRecord,
        CohortResult,
        CohortSnapshot,
        CohortStatusRecord,
        MatchingSummary,
        NotifyApplications,
        PairsPage,
        PairsTally,
        ReviewDecision,
        StartPairs,
    )
    from mentorflow.cohorts.states import CohortStatus
    from mentorflow.models import (
        ActionReceipt,
        MentorshipInput,
        MentorshipResult,
        Outcome,
        PairClosed,
    )
    from workflows.mentorship import MentorshipWorkflow
    from workflows.steps import MATCHING_TIMEOUT, step

#: A page of pair starts: a few hundred client calls, heartbeated.
START_PAGE_TIMEOUT = timedelta(minutes=10)
#: Pairs report their close by signal; the store is counted this often
#: anyway, in case a report never came (a pair reset by an operator, say).
TALLY_EVERY = timedelta(days=1)
#: Pairs are started by an activity and report back, not held as children.
PAIRS_REPORT_BACK = "pairs-report-back"


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
        self._run_id = 0
        #: Pairs reported closed by signal in this run (a wake-up count only).
        self._reports = 0
        self._tally = PairsTally()
        if input.progress is not None:
            self._restore(input.progress)

    @workflow.run
    async def run(self, input: CohortInput) -> CohortResult:
        if input.program.evergreen:
            return await self._run_intake(input)
        if input.progress is None and not await self._open_to_approved(input):
            # Started its pairs as children, before PAIRS_REPORT_BACK.
            return await self._finish()
        await self._start_detached_pairs()
        await self._await_pairs()
        return await self._finish()

    async def _open_to_approved(self, input: CohortInput) -> bool:
        """From open applications to approved pairs, notified. True when the
        pairs are then started detached (to start at ``self._started``);
        False when they already ran as children, the way before."""
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
        self._run_id = run_id
        if workflow.patched(PAIRS_REPORT_BACK):
            return True
        await self._start_pairs(run_id)
        return False

    async def _run_intake(self, input: CohortInput) -> CohortResult:
        """An evergreen program's intake: open until HR closes it, matched
        in rounds (``MatchingRoundWorkflow``, not children of this one),
        then closed once its last pair has."""
        if input.progress is None:
            await self._activity(
                CohortActivities.record_cohort,
                CohortRecord(
                    cohort=input.cohort,
                    program=input.program,
                    opens_at=input.opens_at,
                    closes_at=input.closes_at,
                ),
            )
            await self._activity(
                CohortActivities.admit_held_applications,
                input.cohort,
                start_to_close=timedelta(minutes=30),
            )
        if self._status == CohortStatus.OPEN:
            while not self._closed_early:
                await self._count_pairs()
                seen = self._reports
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda seen=seen: self._closed_early or self._reports > seen,
                        timeout=TALLY_EVERY,
                    )
                await self._continue_as_new_if_suggested()
            await self._set_status(CohortStatus.RUNNING)
        await self._await_pairs()
        return await self._finish()

    async def _count_pairs(self) -> None:
        self._tally = await self._activity(PairStartActivities.pairs_tally, self._input.cohort)
        self._outcomes = Counter(self._tally.outcomes)
        if self._input.program.evergreen:
            # Rounds add pairs as they go: the store counts them.
            self._planned = self._started = self._tally.pairs

    async def _finish(self) -> CohortResult:
        if workflow.patched("invite-alumni"):
            # Every pair is done: graduates who would mentor hear about the next cohort.
            await self._activity(
                AlumniActivities.invite_alumni,
                InviteAlumni(cohort=self._input.cohort),
                start_to_close=timedelta(minutes=30),
                heartbeat_timeout=timedelta(minutes=1),
            )
        await self._set_status(CohortStatus.CLOSED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return CohortResult(
            cohort=self._input.cohort, pairs=self._planned, outcomes=dict(self._outcomes)
        )

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

    async def _start_detached_pairs(self) -> None:
        """A page of pairs per activity, each page ``start_window`` starts at
        a time; nothing of them is pending here once the page returns."""
        while self._started < self._planned:
            page = await self._activity(
                PairStartActivities.start_pairs,
                StartPairs(
                    cohort=self._input.cohort,
                    run_id=self._run_id,
                    offset=self._started,
                    limit=self._input.page_size,
                    reports_to=workflow.info().workflow_id,
                    in_flight=self._input.start_window,
                ),
                start_to_close=START_PAGE_TIMEOUT,
                heartbeat_timeout=timedelta(minutes=1),
            )
            self._started += page.pairs
            if page.pairs < self._input.page_size:
                # The approved run holds fewer pairs than planned: none left.
                self._started = self._planned
            await self._continue_as_new_if_suggested()

    async def _await_pairs(self) -> None:
        """Until the store counts every pair closed; each report (or, failing
        that, the clock) prompts a count."""
        while True:
            seen = self._reports
            await self._count_pairs()
            if self._tally.closed >= self._planned:
                return
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda seen=seen: self._reports > seen, timeout=TALLY_EVERY
                )
            await self._continue_as_new_if_suggested()

    async def _continue_as_new_if_suggested(self) -> None:
        if not workflow.info().is_continue_as_new_suggested():
            return
        await workflow.wait_condition(workflow.all_handlers_finished)
        workflow.continue_as_new(self._input.model_copy(update={"progress": self._progress()}))

    def _progress(self) -> CohortProgress:
        return CohortProgress(
            status=self._status,
            run_id=self._run_id,
            proposal=self._proposal,
            planned=self._planned,
            started=self._started,
            tally=self._tally,
        )

    def _restore(self, progress: CohortProgress) -> None:
        self._status = progress.status
        self._run_id = progress.run_id
        self._proposal = progress.proposal
        self._planned = progress.planned
        self._started = progress.started
        self._tally = progress.tally
        self._outcomes = Counter(progress.tally.outcomes)

    async def _start_pairs(self, run_id: int) -> None:
        """Before PAIRS_REPORT_BACK: pages of pairs from the store started as
        children, at most ``start_window`` child starts in flight."""
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

    @workflow.signal
    def pair_closed(self, report: PairClosed) -> None:
        self._reports += 1

    # ------------------------------------------------------------------ HR

    @workflow.update
    async def close_applications(self, request: CloseRequest) -> ActionReceipt:
        self._closed_early = True
        if self._input.program.evergreen:
            return ActionReceipt(
                message="The intake is closed: no new applications or rounds; "
                "running pairs go on to their end."
            )
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

    async def _activity(self, method: Any, arg: Any, **timeouts: Any) -> Any:
        return await step(method, arg, **timeouts)
