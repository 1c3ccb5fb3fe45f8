"""The pairs a cohort starts: the approved proposal with HR's overrides
(forced pairs checked against the program's hard rules), and each pair's
MentorshipInput built from the directory and the program."""

from __future__ import annotations

from collections import Counter

import numpy as np
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.cohorts.models import Overrides, PairRef
from mentorflow.introduction import introduction
from mentorflow.matching import HardRule, MatchingInput, MatchingResult
from mentorflow.matching.rules import HardRules
from mentorflow.models import (
    NAMED_CADENCES,
    AlumniPromise,
    MentorshipInput,
    Participant,
    PartnerFacts,
    ProgramSettings,
    Role,
)
from mentorflow.program import ProgramConfig
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


def broken_rules(
    problem: MatchingInput, rules: HardRules, mentor_id: str, mentee_id: str
) -> list[str]:
    """``rule: why`` for each hard rule the pair breaks, decided by the same
    masks as the engine's (so a forced pair is judged as matching would)."""
    mentee_index = next(i for i, p in enumerate(problem.mentees) if p.employee_id == mentee_id)
    mentor_index = next(j for j, p in enumerate(problem.mentors) if p.employee_id == mentor_id)
    mentee, mentor = problem.mentees[mentee_index], problem.mentors[mentor_index]
    masks = rules.exclusions(np.array([mentee_index]))
    broken = [rule for rule, mask in masks.items() if mask[0, mentor_index]]

    def why(rule: HardRule) -> str:
        if rule is HardRule.REPORTING_LINE:
            if mentor_id in mentee.manager_chain:
                return f"{mentor_id} is in {mentee_id}'s management chain"
            return f"{mentee_id} is in {mentor_id}'s management chain"
        if rule is HardRule.SAME_DEPARTMENT:
            return f"both are in {mentee.department or 'the same department'}"
        if rule is HardRule.TIMEZONE_GAP:
            minutes = abs(
                int(rules.mentee_offset[mentee_index] - rules.mentor_offset[mentor_index])
            )
            minutes %= 24 * 60
            hours = min(minutes, 24 * 60 - minutes) / 60
            return (
                f"their time zones are {hours:g} h apart, more than the program's "
                f"{problem.rules.max_timezone_gap_hours:g} h"
            )
        if rule is HardRule.PAIRED_BEFORE:
            return f"{mentor_id} and {mentee_id} have been paired before"
        languages = ", ".join(mentor.languages) or "none"
        return (
            f"they share no language (mentor: {languages}; "
            f"mentee: {', '.join(mentee.languages) or 'none'})"
        )

    return [f"{rule.value}: {why(rule)}" for rule in broken]


def check_hard_rules(problem: MatchingInput, overrides: Overrides) -> None:
    """Refuses forced pairs that break a hard rule unless HR overrode the
    rules for that pair with a reason, naming every broken rule."""
    rules: HardRules | None = None
    refusals: list[str] = []
    mentors = {m.employee_id for m in problem.mentors}
    mentees = {m.employee_id for m in problem.mentees}
    for force in overrides.force:
        pair = f"{force.mentor_id}:{force.mentee_id}"
        unknown = force.mentor_id not in mentors or force.mentee_id not in mentees
        if unknown or force.mentor_id == force.mentee_id:
            continue  # final_pairs refuses these, with no way to override
        rules = rules or HardRules(problem)
        broken = broken_rules(problem, rules, force.mentor_id, force.mentee_id)
        if broken and overrides.rule_override(force.mentor_id, force.mentee_id) is None:
            refusals.append(
                f"{pair} breaks {'; breaks '.join(broken)}; "
                f'pass --override-rule "{pair}=reason" to force it anyway'
            )
    if refusals:
        raise OverrideError("\n".join(refusals))


def approved_pairs(session: Session, run_id: int) -> tuple[MatchingRun, list[PairRef]]:
    run = session.scalar(select(MatchingRun).where(MatchingRun.id == run_id))
    if run is None or not run.approved:
        raise cohorts.CohortStoreError(f"matching run {run_id} is not approved")
    problem = MatchingInput.model_validate(run.input)
    result = MatchingResult.model_validate(run.result)
    return run, final_pairs(problem, result, Overrides.model_validate(run.overrides))


def pair_settings(
    program: ProgramConfig, settings: ProgramSettings, mentor_cadence: str, mentee_cadence: str
) -> ProgramSettings:
    """The pair's settings: the program's, with the cadence both asked for when
    the program lets applications choose it. Agreement is required: one side
    wanting weekly meetings does not impose them on the other."""
    wanted = mentee_cadence.strip().casefold()
    if (
        not program.cadence_from_applications
        or program.cadence not in NAMED_CADENCES
        or wanted not in NAMED_CADENCES
        or wanted != mentor_cadence.strip().casefold()
        or wanted == settings.cadence
    ):
        return settings
    try:
        return ProgramSettings.model_validate(settings.model_dump() | {"cadence": wanted})
    except ValidationError:
        # The program's windows do not fit that cadence (a ten-day check-in
        # window and weekly meetings): the program's cadence it is.
        return settings


def mentorship_inputs(
    session: Session, cohort_name: str, pairs: list[PairRef], run: MatchingRun | None = None
) -> list[MentorshipInput]:
    """Each pair's input, with its introduction: the partner facts from the
    directory and the applications, and why ``run`` paired them (a pair HR
    forced has no explanation in it)."""
    cohort = cohorts.get_cohort(session, cohort_name)
    if cohort is None:
        raise cohorts.UnknownCohort(f"no cohort {cohort_name!r}")
    program = cohorts.cohort_program(cohort)
    settings = program.mentorship_settings()
    ids = {x for pair in pairs for x in (pair.mentor_id, pair.mentee_id)}
    people = {
        p.employee_id: p for p in session.scalars(select(Person).where(Person.employee_id.in_(ids)))
    }
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

    def applied(employee_id: str, role: Role) -> Application | None:
        return applications.get((employee_id, role.value))

    def cadence(employee_id: str, role: Role) -> str:
        application = applied(employee_id, role)
        return application.preferred_cadence if application else ""

    def participant(employee_id: str) -> Participant:
        person = people[employee_id]
        return Participant(
            employee_id=employee_id,
            email=person.email,
            name=person.name,
            timezone=person.timezone or "UTC",
        )

    def facts(employee_id: str, role: Role) -> PartnerFacts:
        person = people[employee_id]
        application = applied(employee_id, role)
        return PartnerFacts(
            title=person.title,
            department=person.department,
            expertise=application.expertise if application and role is Role.MENTOR else "",
            goals=application.goals if application and role is Role.MENTEE else "",
            interests=application.interests if application and role is Role.MENTEE else "",
            languages=list(application.languages) if application else [],
        )

    return [
        MentorshipInput(
            cohort=cohort_name,
            program=pair_settings(
                program,
                settings,
                cadence(pair.mentor_id, Role.MENTOR),
                cadence(pair.mentee_id, Role.MENTEE),
            ),
            mentor=participant(pair.mentor_id),
            mentee=participant(pair.mentee_id),
            introduction=introduction(
                mentor_name=people[pair.mentor_id].name,
                mentee_name=people[pair.mentee_id].name,
                mentor=facts(pair.mentor_id, Role.MENTOR),
                mentee=facts(pair.mentee_id, Role.MENTEE),
                explanation=explanations.get((pair.mentor_id, pair.mentee_id)),
            ),
            alumni=AlumniPromise(
                enabled=program.alumni.enabled, min_value_rating=program.alumni.min_value_rating
            ),
            rematch=program.evergreen,
        )
        for pair in pairs
    ]
