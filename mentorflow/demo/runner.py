"""``mentorflow demo``: start the stack, launch the pairs of the demo file as a
fresh cohort, let the simulated people answer their mail, watch the workflows,
and print a summary. The exit code says whether every pair reached the outcome
the demo file expects."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console, RenderableType
from rich.live import Live
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

from mentorflow.demo.display import ActivityLog, PairStatus, live_view, summary_view
from mentorflow.demo.mailroom import Mailroom
from mentorflow.demo.participants import PairScript, SimulatedParticipant
from mentorflow.demo.plan import DemoPlan
from mentorflow.devstack import Stack, embedded_stack, stop_signals
from mentorflow.links import LinkSigner
from mentorflow.models import MentorshipInput, MentorshipResult, MentorshipSnapshot, Role
from mentorflow.settings import Settings


def demo_settings(settings: Settings) -> Settings:
    """The demo keeps its own state under ``var/demo`` so it never disturbs
    ``mentorflow dev``, and always uses the local sink: its people read the mail there."""
    return settings.model_copy(
        update={"var_dir": settings.var_dir / "demo", "smtp_host": None}
        | ({"smtp_port": None} if settings.smtp_host else {})
    )


def fresh_mailbox(settings: Settings) -> None:
    """Mail of earlier demo runs points at pairs that are gone, and every poll of
    /dev/mail.json would parse it again: start each run with an empty Maildir
    (the sink creates it afresh)."""
    shutil.rmtree(settings.mail_dir, ignore_errors=True)


def log_to_file(path: Path) -> None:
    """Worker, web and sink logs go to a file: printed, they would tear through
    the live table. Warnings stay readable there after the run."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="w")  # this run only
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # The SDK core (Rust) logs straight to stderr unless told to forward to Python.
    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    telemetry = TelemetryConfig(
        logging=LoggingConfig(filter=TelemetryFilter("WARN", "ERROR"), forwarding=forwarding)
    )
    Runtime.set_default(Runtime(telemetry=telemetry), error_if_already_set=False)


async def retire_earlier_demos(client: Client, prefix: str, cohort: str, log: ActivityLog) -> None:
    """Pairs of an interrupted earlier demo resume with the dev server; nobody
    answers them any more, so stop them instead of letting them mail on."""
    query = "WorkflowType = 'MentorshipWorkflow' AND ExecutionStatus = 'Running'"
    retired = 0
    async for execution in client.list_workflows(query):
        if execution.id.startswith(f"mentorship:{prefix}-") and f":{cohort}:" not in execution.id:
            await client.get_workflow_handle(execution.id).terminate(
                reason=f"superseded by demo cohort {cohort}"
            )
            retired += 1
    if retired:
        log.info(f"stopped {retired} pairs left running by an earlier demo", style="dim")


async def watch(status: PairStatus, handle: WorkflowHandle[Any, MentorshipResult]) -> None:
    """Wait for the pair's result; any way of not getting one is recorded, so the
    demo reports it instead of waiting for the deadline."""
    try:
        status.result = await handle.result()
    except WorkflowFailureError as exc:
        status.error = str(exc.cause or exc)
    except Exception as exc:  # e.g. the result does not decode: still a failed pair
        status.error = f"{type(exc).__name__}: {exc}"


async def refresh(statuses: list[PairStatus], client: Client) -> None:
    async def one(status: PairStatus) -> None:
        with contextlib.suppress(Exception):  # a busy worker only delays the next refresh
            status.snapshot = await client.get_workflow_handle(status.workflow_id).query(
                "snapshot", result_type=MentorshipSnapshot
            )

    await asyncio.gather(*(one(s) for s in statuses))


@dataclass
class Cohort:
    """A launched demo cohort: one status per pair and everything that runs around them."""

    name: str
    statuses: list[PairStatus]
    mailroom: Mailroom
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return all(s.finished for s in self.statuses)

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def run_demo(
    settings: Settings,
    plan: DemoPlan,
    *,
    console: Console,
    deadline: float = 360.0,
    ui: bool = True,
    linger: bool = False,
) -> int:
    settings = demo_settings(settings)
    name = f"{plan.cohort_prefix}-{datetime.now():%Y%m%d-%H%M%S}"
    stop = stop_signals()
    fresh_mailbox(settings)
    log_file = settings.var_dir / "demo.log"
    log_to_file(log_file)
    console.print(
        f"[bold]mentorflow demo[/]: starting the stack in {settings.var_dir} (logs: {log_file}) …"
    )
    async with embedded_stack(settings, ui=ui) as stack:
        log = ActivityLog(console, echo=not console.is_terminal)
        if stack.dev_server_pid:
            await retire_earlier_demos(stack.client, plan.cohort_prefix, name, log)
        links = " · ".join(
            f"{label} {url}"
            for label, url in (
                ("web", stack.web_url),
                ("mail", stack.mail_url),
                ("Temporal UI", stack.ui_url),
            )
            if url
        )
        async with httpx.AsyncClient(timeout=60.0) as http:
            cohort = await launch(stack, plan, name, http, log)
            try:
                title = f"{plan.program.program_name}: cohort {name}"
                view = partial(live_view, title, links, cohort.statuses, plan.checkins_planned, log)
                await follow(cohort, stack.client, view, console, stop, deadline)
            finally:
                await cohort.close()
        console.print()
        console.print(summary_view(name, cohort.statuses, cohort.mailroom.delivered))
        for problem in log.problems:
            console.print(f"[red]not accepted:[/] {problem}")
        code = verdict(console, cohort.statuses, stopped=stop.is_set(), deadline=deadline)
        if linger and not stop.is_set():
            console.print(f"The stack keeps running for you to explore: {links}. Ctrl-C stops it.")
            await stop.wait()
    return code


async def follow(
    cohort: Cohort,
    client: Client,
    view: Callable[[], RenderableType],
    console: Console,
    stop: asyncio.Event,
    deadline: float,
) -> None:
    """Refresh the pairs' snapshots each second until all are done, the deadline
    passes or the user presses Ctrl-C. The live table needs a terminal; in a CI log
    the activity log is printed line by line instead."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + deadline
    live = Live(console=console, auto_refresh=False) if console.is_terminal else None
    with live or contextlib.nullcontext():
        while not cohort.finished and not stop.is_set() and loop.time() < ends_at:
            await refresh(cohort.statuses, client)
            if live:
                live.update(view(), refresh=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
        await refresh(cohort.statuses, client)
        if live:
            live.update(view(), refresh=True)


async def launch(
    stack: Stack, plan: DemoPlan, name: str, http: httpx.AsyncClient, log: ActivityLog
) -> Cohort:
    """Start a workflow per pair, and the people, mailroom and watchers around them."""
    settings = stack.settings
    signer = LinkSigner(settings.resolved_secret_key, settings.link_max_age)
    mailroom = Mailroom(
        http,
        f"{stack.web_url}/dev/mail.json",
        log,
        watched={plan.program.program_manager_email: "HR"},
    )
    cohort = Cohort(name, [], mailroom)
    for pair in plan.pairs:
        request = MentorshipInput(
            cohort=name,
            program=plan.program,
            mentor=pair.mentor.participant(),
            mentee=pair.mentee.participant(),
        )
        script = PairScript(pair, request.workflow_id, plan.checkins_planned)
        for person, role in ((pair.mentor, Role.MENTOR), (pair.mentee, Role.MENTEE)):
            participant = SimulatedParticipant(
                person, role, script, http=http, signer=signer, journal=plan.journal, log=log
            )
            mailroom.subscribe(person.email, participant.inbox)
            cohort.tasks.append(asyncio.create_task(participant.run()))
        handle = await stack.client.start_workflow(
            "MentorshipWorkflow",
            request,
            id=request.workflow_id,
            task_queue=settings.temporal_task_queue,
            result_type=MentorshipResult,
        )
        status = PairStatus(pair, request.workflow_id)
        cohort.statuses.append(status)
        cohort.tasks.append(asyncio.create_task(watch(status, handle)))
    cohort.tasks.append(asyncio.create_task(mailroom.run()))
    log.info(f"started {len(cohort.statuses)} mentorships in cohort {name}", style="bold")
    return cohort


def verdict(console: Console, statuses: list[PairStatus], *, stopped: bool, deadline: float) -> int:
    """0 when every pair reached the outcome its story expects."""
    if stopped:
        console.print("[yellow]Demo interrupted.[/]")
        return 130
    unfinished = [s for s in statuses if not s.finished]
    if unfinished:
        where = ", ".join(
            f"{s.label} ({s.snapshot.phase.value if s.snapshot else 'not started'})"
            for s in unfinished
        )
        console.print(
            f"[bold red]The demo did not finish within {deadline:.0f}s.[/] Still running: {where}. "
            "Is the machine very busy? The logs and the Temporal UI tell where they wait."
        )
        return 1
    failed = [s for s in statuses if s.error]
    wrong = [s for s in statuses if s.result and s.result.outcome is not s.pair.expect]
    for s in failed:
        console.print(f"[bold red]{s.label}: the workflow failed: {s.error}[/]")
    for s in wrong:
        assert s.result is not None
        console.print(
            f"[bold red]{s.label} ended {s.result.outcome.value}, but the story "
            f"({s.pair.story}) expects {s.pair.expect.value}.[/]"
        )
    if failed or wrong:
        return 1
    console.print("[bold green]Every pair reached its outcome.[/]")
    return 0
