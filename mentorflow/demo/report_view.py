"""The cohort report that closes the demo: the figures HR reads (from
``mentorflow.report``, the same as ``mentorflow report``) as a table on the
console, and the HTML page with its charts written next to the demo's state."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mentorflow.report import CohortReport, to_html


def _percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.0%}"


def report_view(report: CohortReport) -> RenderableType:
    table = Table(title=f"Cohort report: {report.cohort}", title_style="bold", show_header=False)
    table.add_column("Figure", style="bold")
    table.add_column("Value")
    table.add_row(
        "Match rate",
        f"{_percent(report.match_rate)} ({report.mentees_matched} of "
        f"{report.mentees_in_pool} mentees in the pool)",
    )
    table.add_row(
        "Applications",
        ", ".join(f"{status.replace('_', ' ')} {n}" for status, n in report.applications.items()),
    )
    table.add_row(
        "Check-in response rate",
        f"{_percent(report.response_rate)} ({report.answers} answers to "
        f"{report.checkins} check-ins, {report.checkins_held} held)",
    )
    table.add_row(
        "Mean value (1–5)", "–" if report.mean_value is None else f"{report.mean_value:.2f}"
    )
    table.add_row(
        "Goals reached",
        f"{report.goals_reached} of {report.goals} "
        f"({report.milestones_done} of {report.milestones} milestones done)",
    )
    table.add_row("Graduates", f"{report.graduates} of {report.pairs} pairs")
    table.add_row(
        "Outcomes", ", ".join(f"{o.replace('_', ' ')} {n}" for o, n in report.outcomes.items())
    )
    if report.survey_mean_rating is not None:
        table.add_row("Final survey rating", f"{report.survey_mean_rating:.2f}")
    if report.would_mentor:
        table.add_row(
            "Mentees who would mentor",
            ", ".join(f"{k} {n}" for k, n in report.would_mentor.items()),
        )
    table.add_row(
        "Check-ins naming",
        f"introductions {report.checkins_with_introductions}, upcoming decisions "
        f"{report.checkins_with_decisions}, blockers {report.checkins_with_blockers}",
    )
    table.add_row("Open blockers", str(len(report.open_blockers)))
    table.add_row("Early ends", str(len(report.early_ends)))
    ends = [
        Text.assemble(
            ("  early end ", "magenta"),
            f"{end.mentor} → {end.mentee} ({end.outcome.replace('_', ' ')}): {end.reason}",
        )
        for end in report.early_ends
    ]
    blockers = [
        Text.assemble(
            ("  blocked ", "yellow"),
            f"{b.mentor} → {b.mentee} (check-in {b.checkin}, {b.named_by}): {b.blocker}",
        )
        for b in report.open_blockers
    ]
    return Group(table, *ends, *blockers)


def write_html(report: CohortReport, folder: Path) -> Path:
    path = folder / f"report-{report.cohort}.html"
    path.write_text(to_html(report), encoding="utf-8")
    return path
