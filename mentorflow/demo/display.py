"""What the demo shows: the cohort's phase and its applications by status, a
live table of the pairs (refreshed from each workflow's ``snapshot`` query), a
log of what the simulated people did, and the closing summary."""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass, field

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mentorflow.cohorts.states import ApplicationStatus, CohortStatus
from mentorflow.demo.plan import DemoPair
from mentorflow.models import MentorshipResult, MentorshipSnapshot, Outcome

OUTCOME_STYLE = {
    Outcome.GRADUATED: "bold green",
    Outcome.ENDED_EARLY: "magenta",
    Outcome.PARTICIPANT_LEFT: "magenta",
    Outcome.DECLINED: "red",
    Outcome.NOT_STARTED: "red",
}


class ActivityLog:
    """The last few things that happened; echoed line by line when the console
    is not a terminal (CI logs), where a live display cannot redraw."""

    def __init__(self, console: Console, *, echo: bool, size: int = 8) -> None:
        self.console = console
        self.echo = echo
        self.lines: deque[Text] = deque(maxlen=size)
        self.started = time.monotonic()
        #: Every warning, kept for after the run: the live log shows only the last lines.
        self.problems: list[str] = []

    def info(self, text: str, style: str = "") -> None:
        self._add(text, style)

    def warn(self, text: str) -> None:
        self.problems.append(text)
        self._add(f"! {text}", "bold red")

    def _add(self, text: str, style: str) -> None:
        elapsed = time.monotonic() - self.started
        line = Text.assemble((f"{elapsed:5.0f}s  ", "dim"), (text, style))
        self.lines.append(line)
        if self.echo:
            self.console.print(line)

    def renderable(self) -> RenderableType:
        return Text("\n").join(self.lines) if self.lines else Text("waiting for mail…", "dim")


@dataclass
class PairStatus:
    pair: DemoPair
    workflow_id: str
    snapshot: MentorshipSnapshot | None = None
    result: MentorshipResult | None = None
    #: Why the workflow did not return a result (failed, terminated, timed out).
    error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.pair.mentor.name} → {self.pair.mentee.name}"

    @property
    def short_label(self) -> str:
        return f"{self.pair.mentor.first_name} → {self.pair.mentee.first_name}"

    @property
    def outcome(self) -> Outcome | None:
        if self.result is not None:
            return self.result.outcome
        return self.snapshot.outcome if self.snapshot else None

    @property
    def finished(self) -> bool:
        return self.result is not None or self.error is not None


@dataclass
class CohortView:
    """The cohort as the live view shows it: its phase (the workflow's status
    query) and its applications by status (the store)."""

    status: CohortStatus | None = None
    applications: Counter[ApplicationStatus] = field(default_factory=Counter)
    pairs_planned: int = 0
    pairs_started: int = 0
    pairs_done: int = 0


def cohort_line(view: CohortView) -> Text:
    phases = list(CohortStatus)
    current = phases.index(view.status) if view.status else -1
    text = Text("Cohort  ", "bold")
    for index, phase in enumerate(phases):
        if index:
            text.append(" → ", "dim")
        style = "bold reverse" if index == current else "green" if index < current else "dim"
        text.append(phase.value, style)
    if view.applications:
        counts = ", ".join(
            f"{status.value.replace('_', ' ')} {count}"
            for status, count in sorted(view.applications.items(), key=lambda item: -item[1])
        )
        text.append(f"\nApplications  {sum(view.applications.values())}: {counts}")
    if view.pairs_planned:
        text.append(
            f"\nPairs  {view.pairs_planned} approved, {view.pairs_started} started, "
            f"{view.pairs_done} finished"
        )
    return text


def _phase(status: PairStatus, planned: int) -> Text:
    snap = status.snapshot
    if status.error:
        return Text("failed", "bold red")
    if snap is None:
        return Text("starting", "dim")
    label = snap.phase.value.replace("_", " ")
    if snap.phase.value == "checkins" and snap.checkins:
        label = f"check-in {snap.checkins[-1].number}/{planned}"
    text = Text(label)
    if snap.paused:
        text.append(" (paused)", "yellow")
    return text


def _outcome(status: PairStatus) -> Text:
    if status.error:
        return Text(status.error[:40], "bold red")
    outcome = status.outcome
    if outcome is None:
        return Text("")
    return Text(outcome.value.replace("_", " "), OUTCOME_STYLE.get(outcome, ""))


def live_view(
    title: str,
    links: str,
    cohort: CohortView,
    statuses: list[PairStatus],
    planned: int,
    log: ActivityLog,
) -> RenderableType:
    elapsed = time.monotonic() - log.started
    table = Table(
        expand=True,
        title=f"{title} · {elapsed:.0f}s",
        title_style="bold",
        caption=links,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("Pair (mentor → mentee)", ratio=3, no_wrap=True)
    table.add_column("Story", ratio=3, style="dim", no_wrap=True)
    table.add_column("Phase", ratio=2, no_wrap=True)
    table.add_column("Held", justify="right")
    table.add_column("Missed", justify="right")
    table.add_column("At risk", justify="center")
    table.add_column("Outcome", ratio=2, no_wrap=True)
    for status in statuses:
        snap = status.snapshot
        table.add_row(
            status.short_label,
            status.pair.story,
            _phase(status, planned),
            str(snap.checkins_held) if snap else "",
            str(snap.checkins_missed) if snap else "",
            Text("ALERT", "bold red") if snap and snap.at_risk else Text("–", "dim"),
            _outcome(status),
        )
    if not statuses:
        table.add_row(Text("pairs start once HR approves the proposal", "dim"))
    return Group(
        cohort_line(cohort),
        table,
        Panel(log.renderable(), title="What people did", title_align="left"),
    )


def summary_view(cohort: str, statuses: list[PairStatus], mail_count: int) -> RenderableType:
    """One line a pair (a cohort has dozens): the early ends' reasons are in full
    in the report that follows. As wide as its cells, not the console: printed
    to a log, the console is unwrapped and an expanding table would fill it."""
    table = Table(
        title=f"Cohort {cohort}: pairs",
        title_style="bold",
        caption=f"{mail_count} emails sent",
        show_footer=True,
    )
    results = [s.result for s in statuses if s.result]
    held = sum(r.checkins_held for r in results)
    done = sum(r.milestones_done for r in results)
    total = sum(r.milestones_total for r in results)
    values = [r.mean_value for r in results if r.mean_value is not None]
    graduated = sum(1 for r in results if r.outcome is Outcome.GRADUATED)
    table.add_column("Pair", footer=f"{len(statuses)} pairs", no_wrap=True)
    table.add_column("Story", style="dim", no_wrap=True)
    table.add_column("Outcome", footer=f"{graduated} graduated", no_wrap=True)
    table.add_column("Held", justify="right", footer=str(held))
    table.add_column("Missed", justify="right")
    table.add_column("Milestones", justify="right", footer=f"{done}/{total}")
    table.add_column(
        "Value", justify="right", footer=f"{sum(values) / len(values):.1f}" if values else "–"
    )
    for status in statuses:
        r = status.result
        if r is None:
            no_outcome = Text("no outcome", "bold red")
            outcome = _outcome(status) if status.error else no_outcome
            table.add_row(status.short_label, status.pair.story, outcome)
            continue
        outcome = _outcome(status)
        if r.outcome is not status.pair.expect:
            outcome.append(f" (expected {status.pair.expect.value})", "bold red")
        table.add_row(
            status.short_label,
            status.pair.story,
            outcome,
            str(r.checkins_held),
            str(r.checkins_missed),
            f"{r.milestones_done}/{r.milestones_total}",
            f"{r.mean_value:.1f}" if r.mean_value is not None else "–",
        )
    return table
