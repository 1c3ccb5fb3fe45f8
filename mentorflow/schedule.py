"""Pure date arithmetic for a mentorship's calendar.

Workflows call these with ``workflow.now()``-derived times; nothing here reads
the clock, so the results are deterministic and safe inside a workflow.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from mentorflow.models import (
    CheckInOutcome,
    Goal,
    MeetingStatus,
    MilestoneStatus,
    ProgramSettings,
)


def planned_checkins(program: ProgramSettings) -> int:
    """How many check-ins fit in the mentorship's term."""
    return max(1, int(program.duration / program.cadence_period))


def checkin_due(program: ProgramSettings, checkins_start: datetime, number: int) -> datetime:
    """The moment check-in ``number`` (1-based) falls due, before local alignment."""
    return checkins_start + number * program.cadence_period


def local_send_time(program: ProgramSettings, due: datetime, timezone: str) -> datetime:
    """When a participant's check-in goes out: 09:00 (the program's local time)
    on the due day in *their* time zone, for day-scale cadences; exactly at the
    due moment for short (demo) cadences."""
    if not program.aligns_to_local_time:
        return due
    zone = ZoneInfo(timezone)
    local_day = due.astimezone(zone).date()
    return datetime.combine(local_day, program.checkin_local_time, tzinfo=zone).astimezone(UTC)


def cadence_text(program: ProgramSettings) -> str:
    named = {"weekly": "every week", "biweekly": "every two weeks", "monthly": "every four weeks"}
    if program.cadence in named:
        return named[program.cadence]
    seconds = int(program.cadence_period.total_seconds())
    if seconds % 86400 == 0:
        return f"every {seconds // 86400} days"
    if seconds % 60 == 0:
        return f"every {seconds // 60} minutes"
    return f"every {seconds} seconds"


def checkin_outcome(answers: list[MeetingStatus]) -> CheckInOutcome:
    """One answer that the pair met is enough: the two may remember differently."""
    if not answers:
        return CheckInOutcome.MISSED
    if MeetingStatus.YES in answers:
        return CheckInOutcome.HELD
    if MeetingStatus.RESCHEDULED in answers:
        return CheckInOutcome.RESCHEDULED
    return CheckInOutcome.NOT_MET


def next_streak(streak: int, outcome: CheckInOutcome) -> int:
    """Missed and not-met check-ins extend the streak, a held one resets it, and
    a rescheduled one leaves it as it was (the pair is still in touch)."""
    if outcome in (CheckInOutcome.MISSED, CheckInOutcome.NOT_MET):
        return streak + 1
    if outcome == CheckInOutcome.HELD:
        return 0
    return streak


def milestones_due(goals: list[Goal], today: date, horizon: timedelta) -> list[dict[str, str]]:
    """Open milestones whose target date is before ``today + horizon`` (overdue
    ones included), soonest first: what a check-in email reminds the pair of."""
    until = today + horizon
    due = [
        {
            "goal": goal.title,
            "title": m.title,
            "target_date": m.target_date.isoformat(),
            "status": m.status.value,
        }
        for goal in goals
        for m in goal.milestones
        if m.status != MilestoneStatus.DONE and m.target_date <= until
    ]
    return sorted(due, key=lambda item: item["target_date"])


def milestone_counts(goals: list[Goal]) -> tuple[int, int]:
    """(done, total) milestones."""
    all_milestones = [m for goal in goals for m in goal.milestones]
    return sum(m.status == MilestoneStatus.DONE for m in all_milestones), len(all_milestones)
