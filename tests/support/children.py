"""A workflow of the shape a cohort had before its pairs reported back: every
unit of work held as a pending child. Kept apart from the test modules so the
workflow sandbox imports nothing but this."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow


@workflow.defn
class Napping:
    @workflow.run
    async def run(self) -> None:
        await workflow.sleep(timedelta(hours=1))


@workflow.defn
class HoldsChildren:
    @workflow.run
    async def run(self, count: int) -> None:
        children = [
            await workflow.start_child_workflow(
                Napping.run, id=f"{workflow.info().workflow_id}-{i}"
            )
            for i in range(count)
        ]
        await asyncio.gather(*children)
