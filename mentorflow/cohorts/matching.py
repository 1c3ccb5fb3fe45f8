"""One matching run of a cohort: the engine's input built from the store (the
cohort's approved applications, the directory, the program's rules and
weights), the engine run, and the run recorded so that it can be audited and
reproduced. The workflow passes only the cohort name; a 10,000-person input
never travels through Temporal."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.directory import chain_of, manager_map, people_by_id
from mentorflow.matching import MatchingInput, MatchingResult, MenteeProfile, MentorProfile, match
from mentorflow.models import Role
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.schema import Application, Person

_DIGITS = re.compile(r"\d+")


def level_rank(program: ProgramConfig, level: str) -> int:
    """Seniority as a number: the program's ladder when it has one, else the
    digits of the level ("L5" → 5), else 0."""
    ranked = program.level_rank(level)
    if ranked is not None:
        return ranked
    digits = _DIGITS.search(level or "")
    return int(digits.group()) if digits else 0


def build_matching_input(session: Session, cohort_name: str) -> MatchingInput:
    cohort = cohorts.get_cohort(session, cohort_name)
    if cohort is None:
        raise cohorts.UnknownCohort(f"no cohort {cohort_name!r}")
    program = cohorts.cohort_program(cohort)
    pool = cohorts.list_applications(session, cohort_name, ApplicationStatus.APPROVED)
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
            capacity=a.capacity or program.default_mentor_capacity,
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
        # Offsets are read when the pairs start, not whenever the run happens.
        reference_time=cohort.closes_at,
    )


@dataclass(frozen=True)
class MatchingRunOutcome:
    run_id: int
    problem: MatchingInput
    result: MatchingResult


def run_matching(session: Session, cohort_name: str) -> MatchingRunOutcome:
    problem = build_matching_input(session, cohort_name)
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
    )
    return MatchingRunOutcome(run.id, problem, result)
