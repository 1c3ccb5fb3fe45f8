"""The demo's closing table of HR events: who left mid-cohort and what the
directory sync did about it, the graduates invited to mentor, and the next
cohort's pool with the people carried over into it."""

from __future__ import annotations

from collections import Counter

from rich.console import RenderableType
from rich.table import Table

from mentorflow.demo.script import CohortScript


def hr_events_view(script: CohortScript) -> RenderableType | None:
    rows: list[tuple[str, str]] = []
    names = {e: p.name for e, p in script.people.items()}
    for sync in script.syncs:
        for leaver in sync.leavers:
            ended = ", ".join(
                f"{names.get(m.partner_id, m.partner_id)}'s "
                f"{'mentor' if m.role.value == 'mentor' else 'mentee'}"
                for m in leaver.mentorships
            )
            rows.append(
                (
                    "left the company",
                    f"{leaver.name} ({leaver.employee_id}): directory sync {sync.status.value}; "
                    f"ended as participant left: {ended or 'no running pair'}",
                )
            )
    for employee_id in script.carried_over():
        rows.append(
            (
                "carried over",
                f"{names.get(employee_id, employee_id)}: mentor left; "
                f"waits for the next cohort, pre-approved",
            )
        )
    if script.invitations:
        counts = Counter(script.invitations.values())
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        rows.append(
            (
                "alumni invited",
                f"{len(script.invitations)} graduates and mentors asked to mentor: {summary}",
            )
        )
    for alumnus in script.alumni:
        verb = "accepted" if alumnus.accepted.is_set() else "did not answer"
        rows.append(("alumnus", f"{alumnus.person.name} {verb} the invitation to mentor"))
    for employee_id, state in sorted(script.next_pool.items()):
        rows.append(
            (
                f"{script.next_cohort}",
                f"{names.get(employee_id, employee_id)}: {state.status.value}: {state.reason}",
            )
        )
    if not rows:
        return None
    # As wide as its cells: an unwrapped console (a log) would otherwise be filled.
    table = Table(title="HR events", title_style="bold", show_header=False)
    table.add_column("event", style="bold", no_wrap=True)
    table.add_column("what happened")
    for event, text in rows:
        table.add_row(event, text)
    return table
