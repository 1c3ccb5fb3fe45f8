"""The matching engine: who mentors whom in a cohort.

``match(MatchingInput) -> MatchingResult`` is pure and deterministic. It first
maximises the number of mentees matched, then the total score, under hard rules
(reporting line, optional same department, time-zone gap, shared language) and
mentor capacities, and explains every pair criterion by criterion and every
mentee left unmatched.

- model.py — the input and result models (they cross the Temporal boundary)
- rules.py — the hard rules
- text.py — TF-IDF similarity of expertise against goals and interests
- criteria.py — the soft criteria's curves and wording
- solver.py — the reduction to SciPy's sparse assignment solver
- engine.py — one run, from input to explained result
"""

from mentorflow.matching.engine import match
from mentorflow.matching.model import (
    ENGINE_VERSION,
    Criterion,
    CriterionScore,
    HardRule,
    MatchedPair,
    MatchingInput,
    MatchingResult,
    MatchingRules,
    MatchingWeights,
    MenteeProfile,
    MentorProfile,
    MentorWithCapacity,
    PreviousPair,
    UnmatchedMentee,
    UnmatchedReason,
)

__all__ = [
    "ENGINE_VERSION",
    "Criterion",
    "CriterionScore",
    "HardRule",
    "MatchedPair",
    "MatchingInput",
    "MatchingResult",
    "MatchingRules",
    "MatchingWeights",
    "MenteeProfile",
    "MentorProfile",
    "MentorWithCapacity",
    "PreviousPair",
    "UnmatchedMentee",
    "UnmatchedReason",
    "match",
]
