"""Casting: which story each matched pair lives through, and the goals the
mentee proposes (taken from what they wrote in their application).

Pure and deterministic: the same proposal gives the same cast, so a run can
be compared with the last one. Pairs are cast in the order of their mentee
(then mentor); the first pairs get the special stories, the rest the first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from mentorflow.demo.plan import DemoGoal, DemoMilestone, DemoPair, DemoPerson, DemoPlan, Story
from mentorflow.models import Role

#: A goal title fits the workflow's limit with room for nothing else.
TITLE_MAX = 200
GOALS_MAX = 3
FALLBACK_GOAL = "Grow in my current role"


@dataclass(frozen=True)
class Colleague:
    """What the demo needs of a directory entry."""

    employee_id: str
    name: str
    email: str
    timezone: str
    title: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


def story_slots(stories: list[Story], pairs: int) -> list[Story]:
    """The story of each of ``pairs`` pairs, in cast order."""
    slots = [story for story in stories for _ in range(story.pairs)][:pairs]
    return slots + [stories[0]] * (pairs - len(slots))


def goals_from_application(
    text: str, mentor: Colleague, milestones: list[DemoMilestone]
) -> list[DemoGoal]:
    """One goal per clause of the mentee's "goals" answer (``;`` separates
    them, as people write lists in one line), each with the plan's milestones."""
    clauses = [c.strip(" .") for c in re.split(r"[;\n]", text) if c.strip(" .")]
    titles = [c[0].upper() + c[1:] for c in clauses][:GOALS_MAX] or [FALLBACK_GOAL]
    return [
        DemoGoal(
            title=title[:TITLE_MAX],
            description="From the application." if clauses else "",
            milestones=[
                DemoMilestone(title=m.title.format(mentor=mentor.first_name), weeks=m.weeks)
                for m in milestones
            ],
        )
        for title in titles
    ]


def _person(colleague: Colleague, story: Story, role: Role) -> DemoPerson:
    return DemoPerson(
        employee_id=colleague.employee_id,
        email=colleague.email,
        name=colleague.name,
        timezone=colleague.timezone,
        title=colleague.title,
        behaviour=story.mentor if role is Role.MENTOR else story.mentee,
    )


def _leavers_mentor_alone(
    ordered: list[tuple[str, str]], slots: list[Story], default: Story
) -> None:
    """A mentor who leaves ends every pair they are in: their story goes to a
    pair whose mentor is in no other pair, as mentor or mentee (swapped with a
    default-story pair), so that no other story ends by surprise."""
    pairs_of = Counter(person for pair in ordered for person in pair)
    for i, story in enumerate(slots):
        if story.mentor.leaves_after_checkin is None or pairs_of[ordered[i][0]] == 1:
            continue
        for j in range(len(ordered)):
            if slots[j] is default and j != i and pairs_of[ordered[j][0]] == 1:
                ordered[i], ordered[j] = ordered[j], ordered[i]
                break


def cast(
    pairs: list[tuple[str, str]],
    people: dict[str, Colleague],
    mentee_goals: dict[str, str],
    plan: DemoPlan,
) -> list[DemoPair]:
    """A ``DemoPair`` for each ``(mentor_id, mentee_id)``, in cast order."""
    ordered = sorted(pairs, key=lambda pair: (pair[1], pair[0]))
    slots = story_slots(plan.stories, len(ordered))
    _leavers_mentor_alone(ordered, slots, plan.stories[0])
    cast_pairs: list[DemoPair] = []
    for (mentor_id, mentee_id), story in zip(ordered, slots, strict=True):
        mentor, mentee = people[mentor_id], people[mentee_id]
        goals = goals_from_application(mentee_goals.get(mentee_id, ""), mentor, plan.milestones)
        revised = None
        if story.revision is not None:
            revised = [
                goal.model_copy(update={"milestones": [*goal.milestones, story.revision]})
                for goal in goals
            ]
        cast_pairs.append(
            DemoPair(
                story=story.title,
                mentor=_person(mentor, story, Role.MENTOR),
                mentee=_person(mentee, story, Role.MENTEE),
                goals=goals,
                revised_goals=revised,
                expect=story.expect,
            )
        )
    return cast_pairs
