"""``mentorflow mentorship``: what HR does to one running pair.

HR acts as ``hr`` through the same validated workflow updates the
participants' pages use, so the same rules hold (a closed pair cannot be
paused, a reason is required to end one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from mentorflow.cli.running import exit_after
from mentorflow.consoles import console, errors
from mentorflow.models import (
    ActionReceipt,
    EndRequest,
    MentorshipSnapshot,
    PauseRequest,
    ResumeRequest,
)
from mentorflow.settings import get_settings
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade
from mentorflow.store.mentorships import get_mentorship
from mentorflow.store.schema import CheckIn
from mentorflow.temporal_client import connect

HR = "hr"

mentorship_app = typer.Typer(
    help="Look at, pause, resume or end one mentorship (acting as HR).", no_args_is_help=True
)

MentorshipId = typer.Argument(help="Workflow id: mentorship:{cohort}:{mentor}:{mentee}")


async def _client() -> Client:
    return await connect(get_settings())


async def _act(mentorship_id: str, update: str, payload: Any) -> int:
    handle = (await _client()).get_workflow_handle(mentorship_id)
    try:
        receipt = await handle.execute_update(update, payload, result_type=ActionReceipt)
    except WorkflowUpdateFailedError as exc:
        errors.print(f"[bold red]refused:[/] {getattr(exc.cause, 'message', exc.cause)}")
        return 1
    except RPCError as exc:
        return _rpc_error(mentorship_id, exc)
    console.print(receipt.message)
    return 0


def _rpc_error(mentorship_id: str, exc: RPCError) -> int:
    if exc.status == RPCStatusCode.NOT_FOUND:
        errors.print(f"[bold red]error:[/] no mentorship {mentorship_id!r}")
    else:
        errors.print(f"[bold red]error:[/] {exc.message}")
    return 1


@mentorship_app.command("show")
def show(mentorship_id: str = MentorshipId) -> None:
    """Where the pair is: phase, goals, check-ins (with the introductions,
    upcoming decisions and blockers each named), streak, what comes next."""

    async def main() -> int:
        handle = (await _client()).get_workflow_handle(mentorship_id)
        try:
            snap = await handle.query("snapshot", result_type=MentorshipSnapshot)
        except RPCError as exc:
            return _rpc_error(mentorship_id, exc)
        console.print(render_snapshot(snap, stored_checkins(mentorship_id)))
        return 0

    exit_after(main())


def stored_checkins(mentorship_id: str) -> list[CheckIn]:
    """The pair's check-ins with their answers, from the store (the workflow
    keeps where the pair is, the store what people said)."""
    url = get_settings().resolved_database_url
    try:
        upgrade(url)  # cheap when current; a fresh machine needs no extra step
        engine = make_engine(url)
        try:
            with make_sessionmaker(engine)() as session:
                mentorship = get_mentorship(session, mentorship_id)
                return sorted(mentorship.checkins, key=lambda c: c.number) if mentorship else []
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        errors.print(f"[yellow]warning:[/] check-in answers not shown: database: {exc}")
        return []


#: What a check-in answer names, as ``mentorship show`` labels it.
NAMED = (
    ("introductions", "introductions"),
    ("upcoming_decisions", "decisions"),
    ("blockers", "blockers"),
)


def _answers(snap: MentorshipSnapshot, checkin: CheckIn) -> Text:
    """Plain text: what people wrote is never read as Rich markup."""
    names = {snap.mentor.employee_id: snap.mentor.name, snap.mentee.employee_id: snap.mentee.name}
    lines = []
    for answer in sorted(checkin.answers, key=lambda a: a.submitted_at):
        said = [f"met {answer.met}" + (f", value {answer.value}" if answer.value else "")]
        said += [
            f"{label}: {text}" for field, label in NAMED if (text := getattr(answer, field).strip())
        ]
        lines.append(
            f"{names.get(answer.participant_id, answer.participant_id)}: {'; '.join(said)}"
        )
    return Text("\n".join(lines))


def render_snapshot(snap: MentorshipSnapshot, checkins: Sequence[CheckIn] = ()) -> Table:
    table = Table(title=snap.mentorship_id, show_header=False, title_justify="left")
    table.add_row("pair", f"{snap.mentor.name} (mentor) & {snap.mentee.name} (mentee)")
    status = snap.outcome.value if snap.outcome else snap.phase.value
    table.add_row("status", status + (" (paused)" if snap.paused else ""))
    if snap.outcome_reason:
        table.add_row("reason", snap.outcome_reason)
    for goal in snap.goals:
        done = sum(m.status == "done" for m in goal.milestones)
        table.add_row("goal", f"{goal.title} ({done}/{len(goal.milestones)} milestones done)")
    table.add_row(
        "check-ins", f"{snap.checkins_held} held, {snap.checkins_missed} missed or not met"
    )
    for checkin in checkins:
        if checkin.answers:
            outcome = f" ({checkin.outcome.replace('_', ' ')})" if checkin.outcome else ""
            table.add_row(f"check-in {checkin.number}{outcome}", _answers(snap, checkin))
    table.add_row("at risk", f"yes (streak {snap.missed_streak})" if snap.at_risk else "no")
    if snap.next_event_at:
        table.add_row("next step", snap.next_event_at.isoformat(timespec="minutes"))
    return table


@mentorship_app.command("pause")
def pause(
    mentorship_id: str = MentorshipId,
    reason: str = typer.Option("", help="Shown to both participants."),
) -> None:
    """Pause the pair (leave): no check-ins go out and later dates move back."""
    exit_after(_act(mentorship_id, "pause", PauseRequest(by=HR, reason=reason)))


@mentorship_app.command("resume")
def resume(mentorship_id: str = MentorshipId) -> None:
    """Resume a paused pair."""
    exit_after(_act(mentorship_id, "resume", ResumeRequest(by=HR)))


@mentorship_app.command("end")
def end(
    mentorship_id: str = MentorshipId,
    reason: str = typer.Option(..., help="Why it ends; no fault is implied."),
) -> None:
    """End the mentorship early (no-fault); both participants are told kindly."""
    exit_after(_act(mentorship_id, "end_early", EndRequest(by=HR, reason=reason)))
