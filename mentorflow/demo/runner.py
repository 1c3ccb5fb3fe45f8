"""``mentorflow demo``: start the stack, run a whole cohort of the demo file
through the real HR path (directory, launch, applications, manager approvals,
matching, review, pairs as child workflows), let the simulated people answer
their mail, watch it live, and close with the cohort report. The exit code
says whether the cohort closed with every pair at the outcome its story
expects."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path

import httpx
from rich.console import Console, RenderableType
from rich.live import Live
from rich.markup import escape
from temporalio.client import Client
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.consoles import is_attached
from mentorflow.demo.display import ActivityLog, live_view, summary_view
from mentorflow.demo.events_view import hr_events_view
from mentorflow.demo.evergreen import EvergreenDemo, EvergreenError, EvergreenStory
from mentorflow.demo.hr import CohortError
from mentorflow.demo.plan import DemoPlan
from mentorflow.demo.records import DemoRecords
from mentorflow.demo.report_view import report_view, write_html
from mentorflow.demo.script import CohortScript
from mentorflow.devstack import Stack, embedded_stack, stop_signals
from mentorflow.devstack_identity import sign_in_hint
from mentorflow.settings import Settings

#: Workflow id prefixes of a cohort's lifecycles: ``{kind}:{cohort}:…`` (alumni: cohort last).
COHORT_WORKFLOWS = ("cohort", "application", "mentorship", "alumni", "round")
#: Pair snapshots are queried every other second: a query per pair is a
#: workflow task on the worker, which the pairs themselves need more.
SNAPSHOT_EVERY = 2


def demo_settings(settings: Settings) -> Settings:
    """The demo keeps its own state under ``var/demo`` so it never disturbs
    ``mentorflow dev``, and always uses the local sink: its people read the mail there."""
    return settings.model_copy(
        update={"var_dir": settings.var_dir / "demo", "smtp_host": None}
        | ({"smtp_port": None} if settings.smtp_host else {})
    )


def fresh_mailbox(settings: Settings) -> None:
    """Mail of earlier demo runs points at workflows that are gone: start each
    run with an empty Maildir (the sink creates it afresh)."""
    shutil.rmtree(settings.mail_dir, ignore_errors=True)


def fresh_store(settings: Settings) -> None:
    """The demo's own SQLite store starts empty each run, like its mailbox:
    people are never offered a partner they had before, so the pairs of an
    earlier run would change this run's matching. A store the user named
    (``MENTORFLOW_DATABASE_URL``) is theirs and is never touched."""
    if settings.database_url:
        return
    for suffix in ("", "-wal", "-shm"):
        (settings.var_dir / f"mentorflow.db{suffix}").unlink(missing_ok=True)


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
    """Cohorts, applications and pairs of an interrupted earlier demo resume
    with the dev server; nobody answers them any more, so stop them instead
    of letting them mail on."""
    retired = 0
    async for execution in client.list_workflows("ExecutionStatus = 'Running'"):
        kind, _, rest = execution.id.partition(":")
        # ``alumni:{employee}:{cohort}`` names its cohort last.
        their_cohort = rest.rsplit(":", 1)[-1] if kind == "alumni" else rest.split(":", 1)[0]
        if (
            kind in COHORT_WORKFLOWS
            and their_cohort.startswith(f"{prefix}-")
            and their_cohort != cohort
        ):
            try:
                await client.get_workflow_handle(execution.id).terminate(
                    reason=f"superseded by demo cohort {cohort}"
                )
            except RPCError as exc:
                # It finished between the listing and now (an invitation expiring).
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise
                continue
            retired += 1
    if retired:
        log.info(f"stopped {retired} workflows left running by an earlier demo", style="dim")


async def run_demo(
    settings: Settings,
    plan: DemoPlan,
    *,
    console: Console,
    deadline: float = 480.0,
    ui: bool = True,
    linger: bool | None = None,
) -> int:
    settings = demo_settings(settings)
    name = f"{plan.cohort_prefix}-{datetime.now():%Y%m%d-%H%M%S}"
    stop = stop_signals()
    fresh_mailbox(settings)
    fresh_store(settings)
    log_file = settings.var_dir / "demo.log"
    log_to_file(log_file)
    console.print(
        f"[bold]mentorflow demo[/]: starting the stack in {settings.var_dir} (logs: {log_file}) …"
    )
    async with embedded_stack(settings, ui=ui) as stack:
        log = ActivityLog(console, echo=not is_attached(console))
        if stack.dev_server_pid:
            await retire_earlier_demos(stack.client, plan.cohort_prefix, name, log)
        links = " · ".join(
            f"{label} {url}"
            for label, url in (
                ("web", stack.web_url),
                ("HR console", stack.console_url),
                ("mail", stack.mail_url),
                ("Temporal UI", stack.ui_url),
            )
            if url
        )
        records = DemoRecords(settings.resolved_database_url)
        evergreen: EvergreenStory | str | None = None
        closed = await asyncio.to_thread(records.close_earlier_cohorts, plan.cohort_prefix, name)
        if closed:
            log.info(f"closed {closed} cohorts left open by an earlier demo", style="dim")
        try:
            async with httpx.AsyncClient(timeout=60.0) as http:
                script = CohortScript(stack, plan, name, records, http, log, console)
                title = f"{plan.program.program_name}: cohort {name}"
                view = partial(
                    live_view,
                    title,
                    links,
                    script.view,
                    script.statuses,
                    plan.checkins_planned,
                    log,
                )
                running = asyncio.create_task(script.run())
                try:
                    await follow(running, script, view, console, stop, deadline)
                    failure = _failure(running)
                finally:
                    running.cancel()
                    await asyncio.gather(running, return_exceptions=True)
                    await script.close()
                if failure is None and script.result is not None and not stop.is_set():
                    evergreen = await evergreen_story(stack, plan, http, log)
            await closing(console, script, records, settings.var_dir)
            if evergreen is not None:
                evergreen_view(console, evergreen)
        finally:
            records.close()
        for problem in log.problems:
            console.print(f"[red]not accepted:[/] {problem}")
        code = verdict(console, script, failure, stopped=stop.is_set(), deadline=deadline)
        if isinstance(evergreen, str):
            console.print(f"[bold red]The evergreen round did not go as told: {evergreen}[/]")
            code = code or 1
        if not stop.is_set():
            explore(console, stack)
        if (is_attached(console) if linger is None else linger) and not stop.is_set():
            console.print(f"The stack keeps running for you to explore: {links}. Ctrl-C stops it.")
            await stop.wait()
    return code


async def evergreen_story(
    stack: Stack, plan: DemoPlan, http: httpx.AsyncClient, log: ActivityLog
) -> EvergreenStory | str:
    """The evergreen program's rounds after the cohort; why not, if they failed."""
    demo = EvergreenDemo(stack, plan.directory.parent, plan.cohort_prefix, http, log)
    try:
        return await demo.run()
    except EvergreenError as exc:
        return str(exc)
    finally:
        demo.close()


def evergreen_view(console: Console, story: EvergreenStory | str) -> None:
    if isinstance(story, EvergreenStory):
        console.print()
        for line in story.lines():
            console.print(escape(line), soft_wrap=True)


def explore(console: Console, stack: Stack) -> None:
    """Where HR reads the cohort that just ran: the console, and how to sign in."""
    console.print(f"[bold]HR console[/]: {stack.console_url}", soft_wrap=True)
    if stack.oidc_dev_issuer:
        console.print(f"  {escape(sign_in_hint(stack.oidc_dev_issuer))}.", soft_wrap=True)


async def closing(
    console: Console, script: CohortScript, records: DemoRecords, folder: Path
) -> None:
    """The pairs' summary, then the cohort report on the console and as HTML."""
    console.print()
    if script.statuses:
        console.print(summary_view(script.cohort, script.statuses, script.mailroom.delivered))
    events = hr_events_view(script)
    if events is not None:
        console.print(events)
    if script.result is not None:
        report = await asyncio.to_thread(records.report, script.cohort)
        console.print(report_view(report))
        path = write_html(report, folder)
        console.print(f"The cohort report (HTML, with charts): [bold]{path}[/]")


def _failure(running: asyncio.Task[None]) -> str | None:
    """Why HR's script stopped, when the cohort's workflow refused or failed;
    other errors (a broken demo file) propagate to the command."""
    if not running.done() or running.cancelled():
        return None
    error = running.exception()
    if error is None:
        return None
    if isinstance(error, CohortError):
        return str(error)
    raise error


async def follow(
    running: asyncio.Task[None],
    script: CohortScript,
    view: Callable[[], RenderableType],
    console: Console,
    stop: asyncio.Event,
    deadline: float,
) -> None:
    """Refresh the view each second until the script is done, the deadline
    passes or the user presses Ctrl-C. The live table needs a terminal; in a
    CI log the activity log is printed line by line instead."""
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + deadline
    live = Live(console=console, auto_refresh=False) if is_attached(console) else None
    stopping = asyncio.ensure_future(stop.wait())
    tick = 0
    try:
        with live or contextlib.nullcontext():
            while not running.done() and not stop.is_set() and loop.time() < ends_at:
                await script.refresh(pairs=tick % SNAPSHOT_EVERY == 0)
                tick += 1
                if live:
                    live.update(view(), refresh=True)
                # A second between refreshes, or less when the script ends or Ctrl-C.
                await asyncio.wait({running, stopping}, timeout=1.0)
            await script.refresh(pairs=True)
            if live:
                live.update(view(), refresh=True)
    finally:
        stopping.cancel()


def verdict(
    console: Console,
    script: CohortScript,
    failure: str | None,
    *,
    stopped: bool,
    deadline: float,
) -> int:
    """0 when the cohort closed with every pair at the outcome its story expects."""
    if stopped:
        console.print("[yellow]Demo interrupted.[/]")
        return 130
    if failure:
        console.print(f"[bold red]The cohort did not run to its end: {failure}[/]")
        return 1
    statuses = script.statuses
    if script.result is None:
        phase = script.view.status.value if script.view.status else "not launched"
        unfinished = [s for s in statuses if not s.finished]
        where = ", ".join(
            f"{s.label} ({s.snapshot.phase.value if s.snapshot else 'not started'})"
            for s in unfinished
        )
        console.print(
            f"[bold red]The demo did not finish within {deadline:.0f}s[/]: the cohort is "
            f"{phase}" + (f"; still running: {where}" if where else "") + ". "
            "Is the machine very busy? The logs and the Temporal UI tell where it waits."
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
    applications = script.unexpected_applications()
    events = script.unexpected_events()
    for problem in [*applications, *events]:
        console.print(f"[bold red]{problem}[/]")
    if failed or wrong or applications or events:
        return 1
    console.print(
        f"[bold green]The cohort closed: {len(statuses)} pairs. Every pair reached its outcome"
        + (
            f"; {script.next_cohort} opened with {len(script.next_pool)} carried-over "
            "application(s) already approved"
            if script.next_pool
            else ""
        )
        + ".[/]"
    )
    return 0
