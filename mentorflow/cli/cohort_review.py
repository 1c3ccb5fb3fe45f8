"""``mentorflow cohort launch | status | close | approve`` and ``mentorflow report``:
HR launches a cohort, watches it, closes applications early, reviews the
matching proposal (drop or force pairs, or re-run) and reads the report."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import typer
from rich.table import Table
from temporalio.client import Client

from mentorflow.cli.cohort import cohort_app, console
from mentorflow.cli.running import exit_after, print_hr_error
from mentorflow.cli.store import store_sessions
from mentorflow.cohorts.launch import CONFIRM_WITHIN
from mentorflow.cohorts.models import (
    Overrides,
    PairRef,
    ReviewDecision,
    RuleOverride,
)
from mentorflow.cohorts.review import STATE_LABELS, CohortReview
from mentorflow.hr import cohorts as hr_cohorts
from mentorflow.hr.audited import Actor
from mentorflow.hr.errors import HrError, Refused
from mentorflow.hr.reports import FORMATS, cohort_report
from mentorflow.matching import MatchingResult
from mentorflow.program import iso_duration
from mentorflow.report import CSV_TABLES
from mentorflow.settings import Settings, get_settings


async def _client(settings: Settings) -> Client:
    from mentorflow.temporal_client import connect

    return await connect(settings)


def _pair(text: str) -> PairRef:
    mentor, sep, mentee = text.partition(":")
    if not sep or not mentor or not mentee:
        raise typer.BadParameter(f"{text!r}: write a pair as MENTOR_ID:MENTEE_ID")
    return PairRef(mentor_id=mentor, mentee_id=mentee)


# --------------------------------------------------------------------------- launch


@cohort_app.command("launch")
def launch(
    program_file: Path = typer.Argument(help="The program file (YAML)."),
    name: str = typer.Option(..., "--name", help="The cohort's name, e.g. eng-2027-spring."),
    closes_in: str = typer.Option(
        None, help="ISO 8601 duration applications stay open (default: the program's window)."
    ),
    confirm_within: float = typer.Option(
        CONFIRM_WITHIN.total_seconds(),
        min=1,
        help="Seconds to wait for a worker to run the cohort's first step.",
    ),
) -> None:
    """Launch a cohort of PROGRAM_FILE: applications open now.

    Succeeds only once a worker has run the cohort's first step; a cohort that
    cannot run is stopped and withdrawn (exit 1, with the reason), so the same
    name can be launched again."""
    exit_after(_launch(get_settings(), program_file, name, closes_in, confirm_within))


async def _launch(
    settings: Settings,
    program_file: Path,
    name: str,
    closes_in: str | None,
    confirm_within: float = CONFIRM_WITHIN.total_seconds(),
) -> int:
    program = hr_cohorts.read_program(program_file)
    client = await _client(settings)
    with store_sessions(settings) as sessions:
        launched = await hr_cohorts.launch_cohort(
            sessions,
            client,
            settings.temporal_task_queue,
            program,
            name,
            actor=Actor.shell(),
            closes_in=closes_in,
            confirm_within=timedelta(seconds=confirm_within),
        )
    if program.evergreen:
        console.print(
            f"Intake [bold]{name}[/] of {launched.program_name} launched: applications are "
            f"open at any time, matched in a round every {iso_duration(program.rounds.every)} "
            f"(`mentorflow round run {name}` runs one now).\n"
            f"Apply on {settings.base_url}/apply/{name}.",
            soft_wrap=True,
        )
        return 0
    console.print(
        f"Cohort [bold]{name}[/] of {launched.program_name} launched: applications are open "
        f"until {launched.closes_at:%d %B %Y %H:%M} UTC.\n"
        f"Apply on {settings.base_url}/apply/{name} or import with "
        f"`mentorflow cohort applications import {name} FILE.csv`.",
        soft_wrap=True,
    )
    return 0


# --------------------------------------------------------------------------- status


@cohort_app.command("status")
def status(
    name: str = typer.Argument(help="The cohort."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Where the cohort is, and the matching proposal with its explanations."""
    exit_after(_status(get_settings(), name, as_json))


async def _status(settings: Settings, name: str, as_json: bool) -> int:
    client = await _client(settings)
    with store_sessions(settings) as sessions:
        found = await hr_cohorts.cohort_status(sessions, client, name)
    snap, review = found.snapshot, found.review
    proposal = review.proposal
    if as_json:
        document = snap.model_dump(mode="json")
        document["applications"] = {k.value: v for k, v in review.applications.items()}
        document["proposal_pairs"] = proposal.model_dump(mode="json") if proposal else None
        document["names"] = review.names
        document["overrides"] = (
            review.overrides.model_dump(mode="json") if review.overrides else None
        )
        print(json.dumps(document, indent=2))
        return 0
    console.print(
        f"[bold]{name}[/]: {snap.status.value}; applications close "
        f"{snap.closes_at:%d %B %Y %H:%M} UTC"
    )
    console.print(_applications_line(review), soft_wrap=True)
    if snap.proposal:
        p = snap.proposal
        console.print(
            f"Proposal (run {p.run_id}): {p.matched} of {p.mentees} mentees matched with "
            f"{p.mentors} mentors, total score {p.total_score:.2f}."
        )
    if proposal and snap.status.value == "review":
        console.print(proposal_table(proposal, review))
        for unmatched in proposal.unmatched_mentees:
            console.print(
                f"[yellow]unmatched[/] {review.who(unmatched.mentee_id)}: {unmatched.text}",
                soft_wrap=True,
            )
        for mentor in proposal.mentors_with_capacity:
            console.print(
                f"[yellow]mentor with room[/] {review.who(mentor.mentor_id)}: "
                f"{mentor.assigned} of {mentor.capacity} taken",
                soft_wrap=True,
            )
        console.print(
            f"Approve with `mentorflow cohort approve {name}` (see --help for overrides)."
        )
    if review.overrides:
        for override in review.overrides.rule_overrides:
            console.print(
                f"[yellow]forced despite the hard rules[/] {review.who(override.mentor_id)} → "
                f"{review.who(override.mentee_id)}: {override.reason}",
                soft_wrap=True,
            )
    if snap.pairs_planned:
        done = ", ".join(f"{k.value} {v}" for k, v in snap.outcomes.items()) or "none yet"
        console.print(
            f"Pairs: {snap.pairs_started} of {snap.pairs_planned} started; finished: {done}."
        )
    return 0


def _applications_line(review: CohortReview) -> str:
    counts = review.applications
    people = sum(counts.values())
    if not people:
        return "Applications: none yet."
    by_state = ", ".join(
        f"{STATE_LABELS[state]} {count}" for state, count in counts.items() if count
    )
    return f"Applications: {people} {'person' if people == 1 else 'people'}: {by_state}."


def proposal_table(result: MatchingResult, review: CohortReview) -> Table:
    who = review.who
    table = Table(title="Proposed pairs", title_justify="left")
    for column in ("mentor", "mentee", "score", "why"):
        table.add_column(column)
    for pair in result.pairs:
        top = sorted(pair.explanation, key=lambda c: c.contribution, reverse=True)
        why = "; ".join(c.text for c in top if c.contribution > 0) or "eligible"
        table.add_row(who(pair.mentor_id), who(pair.mentee_id), f"{pair.score:.2f}", why)
    return table


# --------------------------------------------------------------------------- decisions


@cohort_app.command("close")
def close(name: str = typer.Argument(help="The cohort.")) -> None:
    """Close applications now (instead of at the set time) and start matching."""

    async def main() -> int:
        settings = get_settings()
        client = await _client(settings)
        with store_sessions(settings) as sessions:
            receipt = await hr_cohorts.close_applications(
                sessions, client, name, actor=Actor.shell()
            )
        console.print(receipt.message)
        return 0

    exit_after(main())


@cohort_app.command("approve")
def approve(
    name: str = typer.Argument(help="The cohort."),
    drop: list[str] = typer.Option([], "--drop", help="MENTOR_ID:MENTEE_ID pair to leave out."),
    force: list[str] = typer.Option([], "--force", help="MENTOR_ID:MENTEE_ID pair to make."),
    override_rule: list[str] = typer.Option(
        [],
        "--override-rule",
        help='"MENTOR_ID:MENTEE_ID=reason": let a forced pair break the hard rules, and why.',
    ),
    rerun: bool = typer.Option(False, "--rerun", help="Run matching again instead."),
) -> None:
    """Approve the proposal (with overrides), or ask for a re-run.

    A forced pair that breaks one of the program's hard rules (reporting line,
    shared language, ...) is refused unless --override-rule gives the reason,
    which is kept with the approval and shown by `cohort status`."""
    decision = review_decision(drop, force, override_rule, rerun)

    async def main() -> int:
        settings = get_settings()
        client = await _client(settings)
        try:
            with store_sessions(settings) as sessions:
                receipt = await hr_cohorts.review_cohort(
                    sessions, client, name, decision, actor=Actor.shell()
                )
        except Refused as exc:
            print_hr_error(exc, refused="error")  # a forced pair the rules refuse
            return 1
        console.print(receipt.message)
        return 0

    exit_after(main())


def review_decision(
    drop: list[str], force: list[str], override_rule: list[str], rerun: bool
) -> ReviewDecision:
    """HR's decision as the options of `cohort approve` and `round approve` say it."""
    overrides = Overrides(
        drop=[_pair(p) for p in drop],
        force=[_pair(p) for p in force],
        rule_overrides=[_rule_override(text) for text in override_rule],
    )
    return ReviewDecision(rerun=rerun, overrides=overrides)


def _rule_override(text: str) -> RuleOverride:
    pair, sep, reason = text.partition("=")
    if not sep or not reason.strip():
        raise typer.BadParameter(
            f"{text!r}: write MENTOR_ID:MENTEE_ID=reason", param_hint="--override-rule"
        )
    ref = _pair(pair.strip())
    return RuleOverride(mentor_id=ref.mentor_id, mentee_id=ref.mentee_id, reason=reason)


# --------------------------------------------------------------------------- report


def report(
    name: str = typer.Argument(help="The cohort."),
    fmt: str = typer.Option("html", "--format", help="html, csv or json."),
    table: str = typer.Option(
        None, "--table", help="With --format csv: summary (default), early-ends or blockers."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """The cohort report: match rate, response rate, value, goals, graduates, early ends.

    CSV is one table a call (--table), so each file has one header row.
    """
    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose {', '.join(FORMATS)}", param_hint="--format")
    if table is not None and (fmt != "csv" or table not in CSV_TABLES):
        raise typer.BadParameter(
            f"with --format csv, choose one of {', '.join(CSV_TABLES)}", param_hint="--table"
        )
    try:
        with store_sessions(get_settings()) as sessions:
            document = cohort_report(sessions, name, fmt, table, actor=Actor.shell())
    except HrError as exc:
        print_hr_error(exc)
        raise typer.Exit(1) from None
    if output:
        output.write_text(document)
        console.print(f"report written to {output}", soft_wrap=True)
    else:
        print(document, end="")
