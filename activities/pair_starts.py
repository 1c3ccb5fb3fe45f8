"""Starting an approved run's pairs, a page at a time, and counting how many
have closed: how a cohort (or a matching round) runs thousands of pairs
without holding any of them as a pending child.

Each pair is started through the client with its deterministic id and its
search attributes, refusing a duplicate: a retried page finds the pairs it
started before and starts nothing twice, even a pair that has closed since.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from mentorflow import search_attributes
from mentorflow.cohorts.models import PairsStarted, PairsTally, StartPairs
from mentorflow.cohorts.plan import approved_pairs, mentorship_inputs
from mentorflow.models import MentorshipInput, Outcome, Phase
from mentorflow.store.schema import Mentorship


class PairStartActivities:
    def __init__(self, sessions: sessionmaker[Session], task_queue: str) -> None:
        self._sessions = sessions
        self._task_queue = task_queue

    @property
    def activities(self) -> list[Callable[..., object]]:
        return [self.start_pairs, self.pairs_tally]

    @activity.defn
    async def start_pairs(self, page: StartPairs) -> PairsStarted:
        """Starts the page's pairs, ``in_flight`` at a time, heartbeating."""
        pairs = await asyncio.to_thread(self._page, page)
        client = activity.client()
        window = asyncio.Semaphore(page.in_flight)
        already = 0

        async def start(pair: MentorshipInput) -> None:
            nonlocal already
            async with window:
                if not await _start_pair(client, self._task_queue, pair):
                    already += 1
                activity.heartbeat()

        await asyncio.gather(*(start(pair) for pair in pairs))
        return PairsStarted(pairs=len(pairs), already=already)

    def _page(self, page: StartPairs) -> list[MentorshipInput]:
        with self._sessions.begin() as session:
            run, pairs = approved_pairs(session, page.run_id)
            chunk = pairs[page.offset : page.offset + page.limit]
            inputs = mentorship_inputs(session, page.cohort, chunk, run)
        return [pair.model_copy(update={"reports_to": page.reports_to}) for pair in inputs]

    @activity.defn
    async def pairs_tally(self, cohort: str) -> PairsTally:
        """How many of the cohort's pairs have closed, by outcome (the store
        is the truth: a pair records its close before it reports it)."""

        def count() -> PairsTally:
            with self._sessions() as session:
                rows = session.execute(
                    select(Mentorship.outcome, func.count())
                    .where(Mentorship.cohort == cohort, Mentorship.phase == Phase.CLOSED.value)
                    .group_by(Mentorship.outcome)
                ).all()
                pairs = session.scalar(
                    select(func.count()).select_from(Mentorship).where(Mentorship.cohort == cohort)
                )
            outcomes = {Outcome(outcome): n for outcome, n in rows if outcome is not None}
            return PairsTally(closed=sum(n for _, n in rows), outcomes=outcomes, pairs=pairs or 0)

        return await asyncio.to_thread(count)


async def _start_pair(client: Client, task_queue: str, pair: MentorshipInput) -> bool:
    """Starts one pair; False when its workflow exists already (running or not)."""
    try:
        await client.start_workflow(
            "MentorshipWorkflow",
            pair,
            id=pair.workflow_id,
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=search_attributes.for_pair(
                pair.cohort,
                pair.program.program_name,
                pair.mentor.employee_id,
                pair.mentee.employee_id,
                Phase.INTRODUCTION.value,
            ),
        )
    except WorkflowAlreadyStartedError:
        return False
    return True
