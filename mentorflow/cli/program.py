"""``mentorflow program check FILE``: is this program file right, and what
does it say?"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import typer
from rich.table import Table

from mentorflow.consoles import console, errors
from mentorflow.program import ProgramConfig, load_program
from mentorflow.yaml_source import SourceError

program_app = typer.Typer(help="Program files (YAML).", no_args_is_help=True)


@program_app.command("check")
def check(file: Path = typer.Argument(help="The program's YAML file.")) -> None:
    """Validate a program file: a summary when it is right, else every error
    with its line and field (exit 1)."""
    try:
        program = load_program(file, shown_as=str(file))
    except SourceError as exc:
        for problem in exc.problems:
            errors.print(f"[red]{problem}[/]", markup=True, soft_wrap=True)
        errors.print(f"[bold red]{len(exc.problems)} problem(s)[/] in {file}")
        raise typer.Exit(1) from None
    console.print(summary(program))
    console.print(f"[green]{file} is a valid program.[/]")


def _days(value: timedelta) -> str:
    if value % timedelta(days=1):
        return str(value)
    days = value.days
    return f"{days // 7} weeks" if days % 7 == 0 and days >= 14 else f"{days} days"


def _listed(values: list[str], empty: str = "all") -> str:
    return ", ".join(values) if values else empty


def summary(program: ProgramConfig) -> Table:
    table = Table(title=program.program_name, show_header=False, title_justify="left")
    table.add_row("program manager", program.program_manager_email)
    if len(program.manager_emails) > 1:
        table.add_row("managers", ", ".join(program.manager_emails))
    table.add_row(
        "rhythm",
        f"{program.cadence} check-ins at {program.checkin_local_time:%H:%M} local time "
        f"for {_days(program.duration)}",
    )
    table.add_row(
        "windows",
        f"introduction {_days(program.introduction_timeout)}, goals "
        f"{_days(program.goals_timeout)}, check-in {_days(program.checkin_window)}, "
        f"survey {_days(program.survey_window)}",
    )
    table.add_row("at risk after", f"{program.at_risk_streak} missed check-ins in a row")
    if program.evergreen:
        review = "auto-approved" if program.rounds.auto_approve else "reviewed by HR"
        table.add_row(
            "intake",
            f"evergreen: a matching round every {_days(program.rounds.every)}, {review}; "
            f"up to {program.mentors_per_mentee} mentor(s) a mentee",
        )
    else:
        table.add_row("applications open", _days(program.applications_window))
    rules = program.eligibility
    table.add_row(
        "eligibility",
        f"tenure ≥ {_days(rules.min_tenure)}; levels {_listed(rules.levels)}; "
        f"mentors {_listed(rules.mentor_levels, 'same levels')}; "
        f"departments {_listed(rules.departments)}",
    )
    approval = program.manager_approval
    table.add_row(
        "manager approval",
        f"required, {approval.on_timeout.value} after {_days(approval.timeout)} without answer"
        if approval.required
        else "not required",
    )
    weights = program.matching.weights
    table.add_row(
        "matching weights",
        f"expertise {weights.expertise}, seniority {weights.seniority}, "
        f"cross-department {weights.cross_department}, preference {weights.preference}",
    )
    hard = program.matching.rules
    gap = hard.max_timezone_gap_hours
    table.add_row(
        "matching rules",
        "never in one's reporting line"
        + ("; other departments only" if hard.exclude_same_department else "")
        + (f"; time zones at most {gap:g} h apart" if gap is not None else "")
        + ("; a shared language" if hard.require_shared_language else ""),
    )
    table.add_row("mentor capacity", f"{program.default_mentor_capacity} mentees by default")
    questions = program.survey_questions
    table.add_row(
        "extra survey questions",
        f"{len(questions.midpoint)} mid-point, {len(questions.final)} final",
    )
    alumni = program.alumni
    table.add_row(
        "alumni invitations",
        (
            f"graduates who would mentor or rated it ≥ {alumni.min_value_rating:g}; "
            f"reminder after {_days(alumni.reminder_after)}, "
            f"expires after {_days(alumni.expires_after)}, "
            f"not asked again for {_days(alumni.ask_again_after)} after a no"
        )
        if alumni.enabled
        else "off",
    )
    if program.email_templates:
        table.add_row("email templates", f"overrides in {program.email_templates}")
    return table
