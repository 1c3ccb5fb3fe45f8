"""The pairs a cohort starts: the approved proposal with HR's overrides, and
each pair's MentorshipInput built from the directory and the program."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.cohort_models import Overrides, PairRef
from mentorflow.introduction import introduction
from mentorflow.matching import MatchingInput, MatchingResult
from mentorflow.models import MentorshipInput, Participant, PartnerFacts, Role
from mentorflow.store import cohorts
from mentorflow.store.schema import Application, MatchingRun, Person


class OverrideError(ValueError):
    """An override HR cannot have meant; the message says which and why."""


def final_pairs(
    problem: MatchingInput, result: MatchingResult, overrides: Overrides
) -> list[PairRef]:
    """The proposal less the dropped pairs, plus the forced ones (a forced pair
    replaces whatever the mentee was proposed). Capacities still hold."""
    proposed = [(p.mentor_id, p.mentee_id) for p in result.pairs]
    for drop in overrides.drop:
        if (drop.mentor_id, drop.mentee_id) not in proposed:
            raise OverrideError(f"{drop.mentor_id} → {drop.mentee_id} is not in the proposal")
    dropped = {(d.mentor_id, d.mentee_id) for d in overrides.drop}
    pairs = [pair for pair in proposed if pair not in dropped]
    capacity = {m.employee_id: m.capacity for m in problem.mentors}
    mentees = {m.employee_id for m in problem.mentees}
    for force in overrides.force:
        if force.mentor_id not in capacity:
            raise OverrideError(f"{force.mentor_id} is not an approved mentor of this cohort")
        if force.mentee_id not in mentees:
            raise OverrideError(f"{force.mentee_id} is not an approved mentee of this cohort")
        if force.mentor_id == force.mentee_id:
            raise OverrideError(f"{force.mentor_id} cannot mentor themselves")
        pairs = [pair for pair in pairs if pair[1] != force.mentee_id]
        pairs.append((force.mentor_id, force.mentee_id))
    load = Counter(mentor for mentor, _ in pairs)
    for mentor, count in sorted(load.items()):
        if count > capacity[mentor]:
            raise OverrideError(
                f"{mentor} would have {count} mentees but offered room for {capacity[mentor]}"
            )
    return [PairRef(mentor_id=m, mentee_id=e) for m, e in sorted(set(pairs))]


def approved_pairs(session: Session, run_id: int) -> tuple[MatchingRun, list[PairRef]]:
    run = session.scalar(select(MatchingRun).where(MatchingRun.id == run_id))
    if run is None or not run.approved:
        raise cohorts.CohortStoreError(f"matching run {run_id} is not approved")
    problem = MatchingInput.model_validate(run.input)
    result = MatchingResult.model_validate(run.result)
    return run, final_pairs(problem, result, Overrides.model_validate(run.overrides))


def mentorship_inputs(
    session: Session, cohort_name: str, pairs: list[PairRef], run: MatchingRun | None = None
) -> list[MentorshipInput]:
    """Each pair's input, with its introduction: the partner facts from the
    directory and the applications, and why ``run`` paired them (a pair HR
    forced has no explanation in it)."""
    cohort = cohorts.get_cohort(session, cohort_name)
    if cohort is None:
        raise cohorts.UnknownCohort(f"no cohort {cohort_name!r}")
    settings = cohorts.cohort_program(cohort).mentorship_settings()
    people = {
        p.employee_id: p
        for p in session.scalars(
            select(Person).where(
                Person.employee_id.in_(
                    {x for pair in pairs for x in (pair.mentor_id, pair.mentee_id)}
                )
            )
        )
    }

    def participant(employee_id: str) -> Participant:
        person = people[employee_id]
        return Participant(
            employee_id=employee_id,
            email=person.email,
            name=person.name,
            timezone=person.timezone or "UTC",
        )

    ids = {x for pair in pairs for x in (pair.mentor_id, pair.mentee_id)}
    applications = {
        (a.employee_id, a.role): a
        for a in session.scalars(
            select(Application).where(
                Application.cohort == cohort_name, Application.employee_id.in_(ids)
            )
        )
    }
    explanations = {
        (p.mentor_id, p.mentee_id): p.explanation
        for p in (MatchingResult.model_validate(run.result).pairs if run is not None else [])
    }

    def facts(employee_id: str, role: Role) -> PartnerFacts:
        person = people[employee_id]
        applied = applications.get((employee_id, role.value))
        return PartnerFacts(
            title=person.title,
            department=person.department,
            expertise=applied.expertise if applied and role is Role.MENTOR else "",
            goals=applied.goals if applied and role is Role.MENTEE else "",
            interests=applied.interests if applied and role is Role.MENTEE else "",
            languages=list(applied.languages) if applied else [],
        )

    return [
        MentorshipInput(
            cohort=cohort_name,
            program=settings,
            mentor=participant(pair.mentor_id),
            mentee=participant(pair.mentee_id),
            introduction=introduction(
                mentor_name=people[pair.mentor_id].name,
                mentee_name=people[pair.mentee_id].name,
                mentor=facts(pair.mentor_id, Role.MENTOR),
                mentee=facts(pair.mentee_id, Role.MENTEE),
                explanation=explanations.get((pair.mentor_id, pair.mentee_id)),
            ),
        )
        for pair in pairs
    ]
