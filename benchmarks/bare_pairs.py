"""The baseline of ``cohort_launch.py``: a cohort and its pairs as bare
Temporal workflows of the same shape as mentorflow's, and nothing else.

The bare cohort starts its pairs the way ``CohortWorkflow`` does (an activity
per page, starting each pair through the client with ``in_flight`` starts at
once), and a bare pair runs the activities a mentorflow pair runs until both
introductions are out (record the pair, record its phase, one email to each
person), then waits on a timer like the introduction's window. Its activities
do nothing but count: no store, no template, no SMTP.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.client import Client

#: What a mentorflow pair runs before its introduction's window opens.
PAIR_ACTIVITIES = ("record_started", "record_phase", "email_mentor", "email_mentee")


class BareCohort(BaseModel):
    cohort: str
    pairs: int
    page_size: int
    in_flight: int
    task_queue: str


class BarePage(BaseModel):
    cohort: str
    offset: int
    limit: int
    in_flight: int
    task_queue: str


class BarePair(BaseModel):
    pair_id: str


class BareActivities:
    """The pair's no-op steps, counting the last one (the second introduction)."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self.introduced = 0
        self.all_introduced = asyncio.Event()
        self.expected = 0

    @property
    def activities(self) -> list[Callable[..., object]]:
        return [self.start_page, self.pair_step]

    @activity.defn
    async def start_page(self, page: BarePage) -> int:
        window = asyncio.Semaphore(page.in_flight)

        async def start(index: int) -> None:
            async with window:
                pair_id = f"bare-pair:{page.cohort}:{index}"
                await self._client.start_workflow(
                    BarePairWorkflow.run,
                    BarePair(pair_id=pair_id),
                    id=pair_id,
                    task_queue=page.task_queue,
                )
                activity.heartbeat()

        await asyncio.gather(*(start(i) for i in range(page.offset, page.offset + page.limit)))
        return page.limit

    @activity.defn
    async def pair_step(self, step: str) -> None:
        if step == PAIR_ACTIVITIES[-1]:
            self.introduced += 1
            if self.introduced >= self.expected:
                self.all_introduced.set()


@workflow.defn
class BareCohortWorkflow:
    @workflow.run
    async def run(self, cohort: BareCohort) -> int:
        started = 0
        while started < cohort.pairs:
            started += await workflow.execute_activity(
                "start_page",
                BarePage(
                    cohort=cohort.cohort,
                    offset=started,
                    limit=min(cohort.page_size, cohort.pairs - started),
                    in_flight=cohort.in_flight,
                    task_queue=cohort.task_queue,
                ),
                result_type=int,
                start_to_close_timeout=timedelta(minutes=10),
                heartbeat_timeout=timedelta(minutes=1),
            )
        return started


@workflow.defn
class BarePairWorkflow:
    @workflow.run
    async def run(self, pair: BarePair) -> None:
        for step in PAIR_ACTIVITIES:
            await workflow.execute_activity(
                "pair_step", step, start_to_close_timeout=timedelta(minutes=2)
            )
        # The introduction's window.
        await workflow.sleep(timedelta(days=7))
