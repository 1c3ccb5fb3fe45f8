"""MatchingRoundWorkflow: one matching round of an evergreen program.

everyone waiting in the intake (new applicants, mentees whose introduction
was declined or timed out, whose mentor left or who asked for a new mentor,
mentors with room) → matching run → HR's review (approve, with overrides;
or re-run), or approval by the program's rule with the reason stored →
match notices to the matched → pairs started a page at a time, each
reporting to the intake's cohort workflow when it closes → done.

Started by the intake's Schedule (``RoundDueWorkflow``) or by HR, with the
id ``round:{cohort}:{n}``; one round is open at a time. Pairs are never its
children: it is done once they are started.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.cohort import CohortActivities
    from activities.pair_starts import PairStartActivities
    from activities.rounds import RoundActivities
    from mentorflow.cohorts.models import (
        ApprovalRecord,
        MatchingSummary,
        NotifyApplications,
        Overrides,
        ReviewDecision,
        StartPairs,
        cohort_workflow_id,
    )
    from mentorflow.cohorts.rounds import RoundInput, RoundRecord, RoundRef, RoundSnapshot
    from mentorflow.cohorts.states import RoundStatus
    from mentorflow.models import ActionReceipt
    from workflows.steps import MATCHING_TIMEOUT, step

LONG_STEP = timedelta(minutes=30)


@workflow.defn
class MatchingRoundWorkflow:
    @workflow.init
    def __init__(self, input: RoundInput) -> None:
        self._input = input
        self._status = RoundStatus.MATCHING
        self._proposal: MatchingSummary | None = None
        self._decision: ReviewDecision | None = None
        self._approving = False
        self._planned = 0
        self._started = 0
        self._note = ""

    @workflow.run
    async def run(self, input: RoundInput) -> RoundSnapshot:
        # Held applications of the program (mentees whose mentor left, alumni
        # who said yes) join the intake first, already approved.
        await self._activity(
            CohortActivities.admit_held_applications, input.cohort, start_to_close=LONG_STEP
        )
        await self._propose()
        assert self._proposal is not None
        if self._proposal.matched == 0:
            self._note = (
                f"Nobody could be matched: {self._proposal.mentees} mentees waiting, "
                f"{self._proposal.mentors} mentors with room."
            )
            await self._record(RoundStatus.EMPTY, note=self._note)
            return self.status()
        if input.auto_approve:
            await self._approve(Overrides())
            self._note = (
                f"Approved by the program's rule (rounds.auto_approve): {self._planned} pairs "
                f"of {self._proposal.mentees} mentees waiting, total score "
                f"{self._proposal.total_score:g}, run {self._proposal.run_id}."
            )
        else:
            await self._record(RoundStatus.REVIEW)
            await self._review()
        await self._record(
            RoundStatus.STARTING,
            pairs=self._planned,
            auto_approved=input.auto_approve,
            note=self._note,
        )
        run_id = self._proposal.run_id
        await self._activity(
            CohortActivities.notify_applications,
            NotifyApplications(cohort=input.cohort, run_id=run_id, matched_only=True),
            start_to_close=LONG_STEP,
            heartbeat_timeout=timedelta(minutes=1),
        )
        await self._start_pairs(run_id)
        await self._record(RoundStatus.DONE, pairs=self._started)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.status()

    async def _propose(self) -> None:
        self._status = RoundStatus.MATCHING
        self._proposal = await self._activity(
            RoundActivities.run_round_matching,
            RoundRef(cohort=self._input.cohort, number=self._input.number),
            start_to_close=MATCHING_TIMEOUT,
        )

    async def _review(self) -> None:
        """Until HR approves: a re-run makes a new proposal to review."""
        while True:
            await workflow.wait_condition(lambda: self._decision is not None)
            decision, self._decision = self._decision, None
            assert decision is not None
            if not decision.rerun:
                self._note = f"Approved by {decision.by}."
                return
            await self._propose()
            await self._record(RoundStatus.REVIEW)

    async def _approve(self, overrides: Overrides) -> None:
        assert self._proposal is not None
        plan = await self._activity(
            CohortActivities.approve_matching,
            ApprovalRecord(
                cohort=self._input.cohort, run_id=self._proposal.run_id, overrides=overrides
            ),
        )
        self._planned = plan.pairs

    async def _start_pairs(self, run_id: int) -> None:
        """A page of pairs per activity; each pair reports to the intake."""
        while self._started < self._planned:
            page = await self._activity(
                PairStartActivities.start_pairs,
                StartPairs(
                    cohort=self._input.cohort,
                    run_id=run_id,
                    offset=self._started,
                    limit=self._input.page_size,
                    reports_to=cohort_workflow_id(self._input.cohort),
                    in_flight=self._input.start_window,
                ),
                start_to_close=LONG_STEP,
                heartbeat_timeout=timedelta(minutes=1),
            )
            self._started += page.pairs
            if page.pairs < self._input.page_size:
                self._started = self._planned

    # ------------------------------------------------------------------ HR

    @workflow.update
    async def review(self, decision: ReviewDecision) -> ActionReceipt:
        if decision.rerun:
            self._decision = decision
            return ActionReceipt(message="Matching runs again; review the new proposal.")
        self._approving = True
        try:
            await self._approve(decision.overrides)
        except ActivityError as err:
            cause = err.cause
            message = cause.message if isinstance(cause, ApplicationError) else str(cause)
            raise ApplicationError(message, type="OverrideError") from err
        finally:
            self._approving = False
        self._decision = decision
        return ActionReceipt(message=f"Approved: {self._planned} pairs start now.")

    @review.validator
    def _validate_review(self, decision: ReviewDecision) -> None:
        if self._status != RoundStatus.REVIEW or self._proposal is None:
            raise ValueError(f"There is no proposal to review (the round is {self._status.value}).")
        if self._decision is not None or self._approving:
            raise ValueError("A decision on this proposal is already being carried out.")
        problems = decision.overrides.problems()
        if problems:
            raise ValueError("; ".join(problems))

    @workflow.query
    def status(self) -> RoundSnapshot:
        return RoundSnapshot(
            cohort=self._input.cohort,
            number=self._input.number,
            status=self._status,
            proposal=self._proposal,
            pairs_planned=self._planned,
            pairs_started=self._started,
            auto_approved=self._input.auto_approve,
            note=self._note,
        )

    # ------------------------------------------------------------------ helpers

    async def _record(self, status: RoundStatus, **fields: Any) -> None:
        self._status = status
        proposal = self._proposal
        await self._activity(
            RoundActivities.record_round,
            RoundRecord(
                cohort=self._input.cohort,
                number=self._input.number,
                status=status,
                run_id=proposal.run_id if proposal else None,
                waiting_mentees=proposal.mentees if proposal else None,
                mentors_with_room=proposal.mentors if proposal else None,
                **fields,
            ),
        )

    async def _activity(self, method: Any, arg: Any, **timeouts: Any) -> Any:
        return await step(method, arg, **timeouts)
