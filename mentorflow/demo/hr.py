"""The program manager's part of the demo, through the same calls as the
``mentorflow directory import``, ``cohort launch``, ``cohort applications
import``, ``cohort close``, ``cohort approve`` and ``hr digest`` commands."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from mentorflow import search_attributes
from mentorflow.applications.csv_import import ImportReport as ApplicationsReport
from mentorflow.applications.csv_import import submit_rows
from mentorflow.cohorts.models import (
    CloseRequest,
    CohortInput,
    CohortResult,
    CohortSnapshot,
    Overrides,
    PairRef,
    ReviewDecision,
)
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus
from mentorflow.demo.display import ActivityLog
from mentorflow.demo.plan import DemoPlan, PlanError
from mentorflow.demo.records import ApplicationState, DemoRecords
from mentorflow.devstack import Stack
from mentorflow.hris.models import HrisSyncInput, SyncOutcome
from mentorflow.matching import MatchingResult
from mentorflow.models import ActionReceipt
from mentorflow.notices.run import send_digest_now
from mentorflow.program import ProgramConfig

#: Where an application still waits for something (eligibility, its manager).
UNSETTLED = {
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ELIGIBLE,
    ApplicationStatus.AWAITING_MANAGER,
}
POLL = 1.0


def write_export(directory: Path, export: Path, leavers: set[str]) -> None:
    """The directory file as the HR system would export it once ``leavers`` left."""
    lines = directory.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [lines[0], *(line for line in lines[1:] if line.split(",", 1)[0] not in leavers)]
    export.write_text("".join(kept), encoding="utf-8")


class CohortError(RuntimeError):
    """The cohort's workflow refused what HR asked, or failed; the message says why."""


class HumanResources:
    def __init__(
        self, stack: Stack, records: DemoRecords, plan: DemoPlan, cohort: str, log: ActivityLog
    ) -> None:
        self.stack = stack
        self.records = records
        self.plan = plan
        self.cohort = cohort
        self.log = log
        self.handle: WorkflowHandle[Any, CohortResult] | None = None

    async def import_directory(self) -> None:
        path = self.plan.directory
        report = await asyncio.to_thread(self.records.import_directory, path)
        self.log.info(
            f"HR imported the directory {path.name}: {report.imported} people "
            f"({report.inserted} new, {report.updated} updated)",
            "bold",
        )
        for problem in report.errors:
            self.log.warn(f"directory {problem.where(path.name)}")
        if not report.imported:
            raise PlanError(f"{path}: no valid row; the demo needs a directory")

    async def launch(self) -> WorkflowHandle[Any, CohortResult]:
        program = self.plan.program
        now = datetime.now(UTC)
        launch = CohortInput(
            cohort=self.cohort,
            program=program,
            opens_at=now,
            closes_at=now + program.applications_window,
        )
        await asyncio.to_thread(
            self.records.create_cohort, self.cohort, program, launch.opens_at, launch.closes_at
        )
        self.handle = await self.stack.client.start_workflow(
            "CohortWorkflow",
            launch,
            id=launch.workflow_id,
            task_queue=self.stack.settings.temporal_task_queue,
            search_attributes=search_attributes.for_cohort(self.cohort, program.program_name),
            result_type=CohortResult,
        )
        self.log.info(f"HR launched cohort {self.cohort} of {program.program_name}", "bold")
        return self.handle

    async def submit_applications(self, program: ProgramConfig, report: ApplicationsReport) -> None:
        """Submits the rows ``DemoRecords.checked_applications`` found valid,
        as ``mentorflow cohort applications import`` does."""
        path = self.plan.applications
        settings = self.stack.settings
        await submit_rows(
            self.stack.client, settings.temporal_task_queue, self.cohort, program, report
        )
        self.log.info(
            f"HR imported {path.name}: {len(report.submitted)} applications submitted, "
            f"{len(report.errors)} rows rejected",
            "bold",
        )
        for problem in report.errors:
            self.log.warn(f"applications {problem.where(path.name)}")

    async def applications_settled(self, expected: set[str]) -> dict[str, ApplicationState]:
        """Waits until every submitted application is in the pool or finished:
        then closing applications leaves nobody waiting for their manager."""
        told: list[str] = []
        while True:
            states = await asyncio.to_thread(self.records.applications, self.cohort)
            waiting = sorted(
                e for e in expected if e not in states or states[e].status in UNSETTLED
            )
            if not waiting:
                return states
            # Said when the last few are left, which is when HR would wonder.
            if waiting != told and len(waiting) <= 3:
                told = waiting
                self.log.info(
                    f"HR waits for {len(waiting)} application(s) to settle before closing: "
                    f"{', '.join(waiting)}",
                    "dim",
                )
            await asyncio.sleep(POLL)

    async def sync_directory(self, leavers: set[str]) -> SyncOutcome:
        """The HR system's next export lists everyone but ``leavers``: HR runs
        the directory sync from it, as ``mentorflow hris sync --csv`` does."""
        export = self.stack.settings.var_dir / f"hris-export-{self.cohort}.csv"
        await asyncio.to_thread(write_export, self.plan.directory, export, leavers)
        outcome: SyncOutcome = await self.stack.client.execute_workflow(
            "HrisSyncWorkflow",
            HrisSyncInput(csv_path=str(export.resolve())),
            id=f"hris-sync-{self.cohort}-{len(leavers)}",
            task_queue=self.stack.settings.temporal_task_queue,
            result_type=SyncOutcome,
        )
        done = outcome.effects
        self.log.info(
            f"HR's directory sync ({export.name}): {outcome.status.value}, "
            f"{outcome.leaving} leaver(s); {done.mentorships_ended} mentorship(s) ended, "
            f"{done.mentees_waitlisted} mentee(s) carried over to the next cohort",
            "bold",
        )
        return outcome

    async def send_digest(self) -> None:
        """The day's HR notices (the pairs that ended early or did not start),
        sent now rather than at the daily time, as ``mentorflow hr digest`` does."""
        result = await send_digest_now(self.stack.client, self.stack.settings.temporal_task_queue)
        for sent in result.digests:
            if sent.notices and not sent.already_sent:
                told = f"{sent.notices} notice(s) in one email to {sent.to}"
            else:
                told = f"today's had gone out already; {sent.waiting} notice(s) wait for tomorrow's"
            self.log.info(f"HR's daily digest of {sent.program_name}: {told}", "bold")

    async def status(self) -> CohortSnapshot:
        assert self.handle is not None
        return await self.handle.query("status", result_type=CohortSnapshot)

    async def close_applications(self) -> None:
        await self._update("close_applications", CloseRequest())

    async def proposal(self) -> MatchingResult:
        """The matching run HR reviews, once the workflow waits for a decision."""
        while True:
            snapshot = await self.status()
            if snapshot.status is CohortStatus.REVIEW and snapshot.proposal is not None:
                result = await asyncio.to_thread(self.records.proposal, self.cohort)
                if result is not None:
                    return result
            await asyncio.sleep(POLL)

    async def approve(self, drop: list[PairRef]) -> None:
        await self._update("review", ReviewDecision(overrides=Overrides(drop=drop)))

    async def _update(self, update: str, payload: Any) -> None:
        assert self.handle is not None
        try:
            receipt = await self.handle.execute_update(update, payload, result_type=ActionReceipt)
        except WorkflowUpdateFailedError as exc:
            raise CohortError(f"{update}: {getattr(exc.cause, 'message', exc.cause)}") from exc
        self.log.info(f"HR: {receipt.message}", "bold")
