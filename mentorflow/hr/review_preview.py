"""HR's overrides of a matching proposal judged before anything is approved:
the same checks the approval runs (``Overrides.problems``, ``final_pairs``,
``check_hard_rules`` over the stored run), so a preview and an approval can
never disagree."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.cohorts.models import Overrides, PairRef
from mentorflow.cohorts.plan import OverrideError, broken_rules, check_hard_rules, final_pairs
from mentorflow.hr.errors import NotFound, Refused
from mentorflow.matching import MatchingInput, MatchingResult
from mentorflow.matching.rules import HardRules
from mentorflow.store import cohorts


class ForcedPairVerdict(BaseModel):
    mentor_id: str
    mentee_id: str
    #: ``rule: why`` for each hard rule the pair breaks (the engine's words).
    broken: list[str]
    #: The reason HR gave to force it anyway, if any.
    override_reason: str | None = None

    @property
    def needs_reason(self) -> bool:
        return bool(self.broken) and self.override_reason is None


class ReviewPreview(BaseModel):
    #: The pairs that would start, as approval would compute them.
    pairs: list[PairRef]
    forced: list[ForcedPairVerdict]
    #: Why approving these overrides would be refused, one line each
    #: (``Refused.reasons``); empty when they would be approved.
    refusals: list[str]


def preview_review(
    sessions: sessionmaker[Session],
    name: str,
    overrides: Overrides,
    round_number: int | None = None,
) -> ReviewPreview:
    """What approving the latest proposal (of the evergreen round
    ``round_number``) with ``overrides`` would do."""
    with sessions() as session:
        run = cohorts.latest_matching_run(session, name, round_number)
        if run is None:
            raise NotFound(f"cohort {name!r} has no matching proposal yet")
        problem = MatchingInput.model_validate(run.input)
        result = MatchingResult.model_validate(run.result)
    refusals = list(overrides.problems())
    # In the approval's order: the hard rules, then the pairs and capacities.
    try:
        check_hard_rules(problem, overrides)
    except OverrideError as exc:
        refusals.extend(Refused(str(exc)).reasons)
    pairs: list[PairRef] = []
    try:
        pairs = final_pairs(problem, result, overrides)
    except OverrideError as exc:
        refusals.append(str(exc))
    return ReviewPreview(
        pairs=pairs if not refusals else [],
        forced=_verdicts(problem, overrides),
        refusals=refusals,
    )


def _verdicts(problem: MatchingInput, overrides: Overrides) -> list[ForcedPairVerdict]:
    mentors = {m.employee_id for m in problem.mentors}
    mentees = {m.employee_id for m in problem.mentees}
    rules: HardRules | None = None
    verdicts = []
    for force in overrides.force:
        known = force.mentor_id in mentors and force.mentee_id in mentees
        broken: list[str] = []
        if known and force.mentor_id != force.mentee_id:
            rules = rules or HardRules(problem)
            broken = broken_rules(problem, rules, force.mentor_id, force.mentee_id)
        override = overrides.rule_override(force.mentor_id, force.mentee_id)
        verdicts.append(
            ForcedPairVerdict(
                mentor_id=force.mentor_id,
                mentee_id=force.mentee_id,
                broken=broken,
                override_reason=override.reason if override else None,
            )
        )
    return verdicts
