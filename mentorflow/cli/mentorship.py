"""``mentorflow mentorship``: what HR does to one running pair
(``mentorflow.hr.mentorships``), shown in the terminal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.cli.running import exit_after
from mentorflow.cli.store import store_sessions
from mentorflow.consoles import console, errors
from mentorflow.hr import mentorships
from mentorflow.hr.audited import Actor
from mentorflow.models import ActionReceipt, MentorshipSnapshot
from mentorflow.settings import get_settings
from mentorflow.store.schema import CheckIn
from mentorflow.temporal_client import connect

mentorship_app = typer.Typer(
    help="Look at, pause, resume or end one mentorship (acting as HR).", no_args_is_help=True
)

MentorshipId = typer.Argument(help="Workflow id: mentorship:{cohort}:{mentor}:{mentee}")


async def _client() -> Client:
    return await connect(get_settings())


Action = Callable[[sessionmaker[Session], Client], Awaitable[ActionReceipt]]


def _act(action: Action) -> None:
    async def main() -> int:
        client = await _client()
        with store_sessions(get_settings()) as sessions:
            receipt = await action(sessions, client)
        console.print(receipt.message)
        return 0

    exit_after(main())


@mentorship_app.command("show")
def show(mentorship_id: str = MentorshipId) -> None:
    """Where the pair is: phase, goals, check-ins (with the introductions,
    upcoming decisions and blockers each named), streak, what comes next."""

    async def main() -> int:
        snap = await mentorships.mentorship_snapshot(await _client(), mentorship_id)
        console.print(render_snapshot(snap, _stored_checkins(mentorship_id)))
        return 0

    exit_after(main())


def _stored_checkins(mentorship_id: str) -> list[CheckIn]:
    """What people said, from the store; the pair is shown without it when the
    database cannot be read (the workflow has where the pair is)."""
    try:
        with store_sessions(get_settings()) as sessions:
            return mentorships.stored_checkins(sessions, mentorship_id)
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
    _act(lambda s, c: mentorships.pause(s, c, mentorship_id, reason, actor=Actor.shell()))


@mentorship_app.command("resume")
def resume(mentorship_id: str = MentorshipId) -> None:
    """Resume a paused pair."""
    _act(lambda s, c: mentorships.resume(s, c, mentorship_id, actor=Actor.shell()))


@mentorship_app.command("end")
def end(
    mentorship_id: str = MentorshipId,
    reason: str = typer.Option(..., help="Why it ends; no fault is implied."),
) -> None:
    """End the mentorship early (no-fault); both participants are told kindly."""
    _act(lambda s, c: mentorships.end_early(s, c, mentorship_id, reason, actor=Actor.shell()))
