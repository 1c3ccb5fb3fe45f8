"""The matching proposal as HR reviews it in the demo: how many were matched,
who was left out and why, a few pairs with their explanation criterion by
criterion, and the override HR makes to show one."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from mentorflow.demo.participants import plural
from mentorflow.demo.stories import Colleague
from mentorflow.matching import MatchingResult
from mentorflow.matching.model import MatchedPair

#: Pairs shown with their explanation (the best ones): enough to read, not a wall.
SHOWN_PAIRS = 3


def weakest_pair(result: MatchingResult) -> MatchedPair | None:
    """The pair HR drops to show an override: the lowest score (ties by ids),
    so the same proposal always loses the same pair."""
    if len(result.pairs) < 2:
        return None  # dropping the only pair would leave nothing to run
    return min(result.pairs, key=lambda p: (p.score, p.mentor_id, p.mentee_id))


def _name(people: dict[str, Colleague], employee_id: str) -> str:
    person = people.get(employee_id)
    return f"{person.name} ({employee_id})" if person else employee_id


def proposal_view(
    result: MatchingResult, people: dict[str, Colleague], dropped: MatchedPair | None
) -> RenderableType:
    mentees = result.matched_count + len(result.unmatched_mentees)
    mentors = len({p.mentor_id for p in result.pairs})
    parts: list[RenderableType] = [
        Text.assemble(
            ("Matching proposal: ", "bold"),
            f"{result.matched_count} of {mentees} mentees matched with {mentors} mentors "
            f"(total score {result.total_score:.2f}); "
            f"{plural(len(result.mentors_with_capacity), 'mentor')} with room left.",
        )
    ]
    for unmatched in result.unmatched_mentees:
        parts.append(
            Text.assemble(
                ("  unmatched ", "yellow"),
                _name(people, unmatched.mentee_id),
                f": {unmatched.text}",
            )
        )
    # As wide as its cells: an unwrapped console (a log) would otherwise be filled.
    table = Table(title="Best pairs and why", title_justify="left", show_lines=True)
    table.add_column("Mentor → mentee")
    table.add_column("Score", justify="right")
    table.add_column("Criteria (weight × value)")
    for pair in sorted(result.pairs, key=lambda p: (-p.score, p.mentee_id))[:SHOWN_PAIRS]:
        criteria = "\n".join(
            f"{c.criterion.value}: {c.weight:g} × {c.value:.2f} = {c.contribution:.2f}  {c.text}"
            for c in pair.explanation
        )
        table.add_row(
            f"{_name(people, pair.mentor_id)} →\n{_name(people, pair.mentee_id)}",
            f"{pair.score:.2f}",
            criteria,
        )
    parts.append(table)
    if dropped is not None:
        parts.append(
            Text(
                f"HR drops {_name(people, dropped.mentor_id)} → {_name(people, dropped.mentee_id)} "
                f"(score {dropped.score:.2f}, the lowest) to show an override; "
                "the mentee waits for the next round.",
                "magenta",
            )
        )
    return Group(*parts)
