"""One matching run of a cohort: the engine's input built from the store (the
cohort's approved applications, the directory, the program's rules and
weights), the engine run, and the run recorded so that it can be audited and
reproduced. The workflow passes only the cohort name; a 10,000-person input
never travels through Temporal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.cohorts.waiting import waiting_pool
from mentorflow.directory import chain_of, manager_map, people_by_id
from mentorflow.matching import (
    MatchingInput,
    MatchingResult,
    MenteeProfile,
    MentorProfile,
    PreviousPair,
    match,
)
from mentorflow.models import Role
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.schema import Application, Mentorship, Person

_DIGITS = re.compile(r"\d+")
#: Mentee ids per query of ``previous_pairs``.
_SLICE = 5_000


def level_rank(program: ProgramConfig, level: str) -> int:
    """Seniority as a number: the program's ladder when it has one, else the
    digits of the level ("L5" → 5), else 0."""
    ranked = program.level_rank(level)
    if ranked is not None:
        return ranked
    digits = _DIGITS.search(level or "")
    return int(digits.group()) if digits else 0


def build_matching_input(
    session: Session, cohort_name: str, evergreen_round_at: datetime | None = None
) -> MatchingInput:
    """The cohort's approved applications; for a round of an evergreen
    program (``evergreen_round_at``, when the round opened), everyone waiting
    in its intake, each mentor with the room left after their running pairs.
    Pairs who have been together before, in any cohort or round, are
    excluded either way."""
    cohort = cohorts.get_cohort(session, cohort_name)
    if cohort is None:
        raise cohorts.UnknownCohort(f"no cohort {cohort_name!r}")
    program = cohorts.cohort_program(cohort)
    room: dict[str, int] = {}
    if evergreen_round_at is None:
        pool = cohorts.list_applications(session, cohort_name, ApplicationStatus.APPROVED)
    else:
        waiting = waiting_pool(session, cohort_name, program)
        room = {a.employee_id: places for a, places in waiting.mentors}
        pool = [*waiting.mentees, *(a for a, _ in waiting.mentors)]
    people = people_by_id(session, {a.employee_id for a in pool})
    managers = manager_map(session)

    def facts(application: Application) -> dict[str, object]:
        person: Person = people[application.employee_id]
        return {
            "employee_id": person.employee_id,
            "department": person.department,
            "manager_chain": chain_of(managers, person.employee_id),
            "level": level_rank(program, person.level),
            "timezone": person.timezone or "UTC",
            "languages": application.languages,
            "preferred_cadence": application.preferred_cadence,
        }

    mentees = [
        MenteeProfile(
            **facts(a),
            goals=a.goals,
            interests=a.interests,
            preferred_mentor_ids=a.mentor_preferences,
        )
        for a in pool
        if a.role == Role.MENTEE.value
    ]
    mentors = [
        MentorProfile(
            **facts(a),
            capacity=room.get(a.employee_id) or a.capacity or program.default_mentor_capacity,
            expertise=a.expertise,
        )
        for a in pool
        if a.role == Role.MENTOR.value
    ]
    return MatchingInput(
        mentees=mentees,
        mentors=mentors,
        rules=program.matching.rules,
        weights=program.matching.weights,
        excluded_pairs=previous_pairs(session, mentees, mentors),
        # Offsets are read when the pairs start, not whenever the run happens.
        reference_time=evergreen_round_at or cohort.closes_at,
    )


def previous_pairs(
    session: Session, mentees: list[MenteeProfile], mentors: list[MentorProfile]
) -> list[PreviousPair]:
    """Every mentorship the store holds between these mentees and mentors,
    in any cohort and with any outcome: nobody is offered the same partner
    twice. Read in slices of mentees, so the query stays within the
    database's limit on parameters however large the pool."""
    mentor_ids = {m.employee_id for m in mentors}
    mentee_ids = sorted(m.employee_id for m in mentees)
    found: set[tuple[str, str]] = set()
    for start in range(0, len(mentee_ids), _SLICE):
        rows = session.execute(
            select(Mentorship.mentee_id, Mentorship.mentor_id).where(
                Mentorship.mentee_id.in_(mentee_ids[start : start + _SLICE])
            )
        )
        found.update((mentee, mentor) for mentee, mentor in rows if mentor in mentor_ids)
    return [PreviousPair(mentee_id=e, mentor_id=m) for e, m in sorted(found)]


@dataclass(frozen=True)
class MatchingRunOutcome:
    run_id: int
    problem: MatchingInput
    result: MatchingResult


def run_matching(
    session: Session,
    cohort_name: str,
    round_number: int | None = None,
    round_opened_at: datetime | None = None,
) -> MatchingRunOutcome:
    """A run over the cohort's pool, or over everyone waiting for an
    evergreen round (``round_number``, opened at ``round_opened_at``)."""
    problem = build_matching_input(session, cohort_name, round_opened_at)
    result = match(problem)
    run = cohorts.record_matching_run(
        session,
        cohort_name,
        matching_input=problem,
        weights=problem.weights,
        result=result,
        input_digest=result.input_digest,
        matched=result.matched_count,
        total_score=result.total_score,
        round_number=round_number,
    )
    return MatchingRunOutcome(run.id, problem, result)
