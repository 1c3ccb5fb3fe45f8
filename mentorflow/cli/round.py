"""``mentorflow round run | list | status | approve``: an evergreen program's
matching rounds. A round runs on the intake's Schedule; HR can run one now,
read it and decide on its proposal as on a cohort's."""

from __future__ import annotations

import json

import typer

from mentorflow.cli.cohort_review import _client, review_decision
from mentorflow.cli.running import exit_after, print_hr_error
from mentorflow.cli.store import store_sessions
from mentorflow.consoles import console
from mentorflow.hr import rounds as hr_rounds
from mentorflow.hr.audited import Actor
from mentorflow.hr.errors import Refused
from mentorflow.settings import get_settings

round_app = typer.Typer(help="Matching rounds of an evergreen program.", no_args_is_help=True)


@round_app.command("run")
def run(cohort: str = typer.Argument(help="The evergreen program's intake, as launched.")) -> None:
    """Run a matching round now over everyone waiting (instead of waiting for
    the Schedule); refused while the last round is still open."""

    async def main() -> int:
        settings = get_settings()
        client = await _client(settings)
        with store_sessions(settings) as sessions:
            opened = await hr_rounds.run_round(
                sessions, client, settings.temporal_task_queue, cohort, actor=Actor.shell()
            )
        console.print(
            f"Round {opened.number} of {cohort} started ({opened.workflow_id}); "
            f"see `mentorflow round status {cohort} {opened.number}`.",
            soft_wrap=True,
        )
        return 0

    exit_after(main())


@round_app.command("list")
def list_rounds(
    cohort: str = typer.Argument(help="The intake."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The intake's rounds, newest first."""

    async def main() -> int:
        with store_sessions(get_settings()) as sessions:
            found = hr_rounds.list_rounds(sessions, cohort)
        if as_json:
            print(json.dumps([r.model_dump(mode="json") for r in found], indent=2))
            return 0
        if not found:
            console.print(f"{cohort}: no rounds yet.")
        for r in found:
            how = "auto-approved" if r.auto_approved else r.trigger.value
            console.print(
                f"round {r.number}: {r.status.value} ({how}), {r.waiting_mentees} mentees "
                f"waiting, {r.mentors_with_room} mentors with room, {r.pairs} pairs"
                + (f"; {r.note}" if r.note else ""),
                soft_wrap=True,
            )
        return 0

    exit_after(main())


@round_app.command("status")
def status(
    cohort: str = typer.Argument(help="The intake."),
    number: int = typer.Argument(help="The round's number."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Where the round is: its proposal, the pairs started."""

    async def main() -> int:
        client = await _client(get_settings())
        snap = await hr_rounds.round_status(client, cohort, number)
        if as_json:
            print(json.dumps(snap.model_dump(mode="json"), indent=2))
            return 0
        console.print(f"[bold]{cohort}[/] round {number}: {snap.status.value}", soft_wrap=True)
        if snap.proposal:
            p = snap.proposal
            console.print(
                f"Proposal (run {p.run_id}): {p.matched} of {p.mentees} waiting mentees "
                f"matched with {p.mentors} mentors, total score {p.total_score:.2f}.",
                soft_wrap=True,
            )
        if snap.status.value == "review":
            console.print(
                f"Approve with `mentorflow round approve {cohort} {number}`.", soft_wrap=True
            )
        if snap.pairs_planned:
            console.print(f"Pairs: {snap.pairs_started} of {snap.pairs_planned} started.")
        if snap.note:
            console.print(snap.note, soft_wrap=True)
        return 0

    exit_after(main())


@round_app.command("approve")
def approve(
    cohort: str = typer.Argument(help="The intake."),
    number: int = typer.Argument(help="The round's number."),
    drop: list[str] = typer.Option([], "--drop", help="MENTOR_ID:MENTEE_ID pair to leave out."),
    force: list[str] = typer.Option([], "--force", help="MENTOR_ID:MENTEE_ID pair to make."),
    override_rule: list[str] = typer.Option(
        [],
        "--override-rule",
        help='"MENTOR_ID:MENTEE_ID=reason": let a forced pair break the hard rules, and why.',
    ),
    rerun: bool = typer.Option(False, "--rerun", help="Run matching again instead."),
) -> None:
    """Approve the round's proposal (with overrides), or ask for a re-run."""
    decision = review_decision(drop, force, override_rule, rerun)

    async def main() -> int:
        settings = get_settings()
        client = await _client(settings)
        try:
            with store_sessions(settings) as sessions:
                receipt = await hr_rounds.review_round(
                    sessions, client, cohort, number, decision, actor=Actor.shell()
                )
        except Refused as exc:
            print_hr_error(exc, refused="error")
            return 1
        console.print(receipt.message)
        return 0

    exit_after(main())
