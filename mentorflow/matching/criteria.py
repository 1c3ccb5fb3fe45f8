"""The soft criteria: each turns a fact about a pair into a value from 0 to 1.

All values are non-negative: the solver's "match as many mentees as possible
first" reduction relies on no pair scoring below zero, so an unhelpful pairing
earns nothing rather than a penalty.

Seniority curve, by how many levels the mentor is above the mentee::

    gap    ≤0    1    2    3    4     5     ≥6
    value   0    1    1    1   0.5  0.25  0.1

A mentor one to three levels up knows the mentee's next steps first-hand; much
further up the advice gets remote, and a peer or a junior earns no seniority
credit (they can still be chosen for expertise or preference).

Preference: the mentee's rank r (1 = first choice) is worth ``1 / r``.
Cross-department: 1 when the departments differ (it widens the network), else 0.
Cadence: 1 when both said how often they would like to meet and said the same
(weekly, biweekly, monthly), else 0: a pair that wants the same rhythm keeps it.
Expertise: TF-IDF cosine similarity, see text.py.
"""

from __future__ import annotations

import numpy as np

from mentorflow.matching.model import MICRO

_SENIORITY_BY_GAP = np.array([0.0, 1.0, 1.0, 1.0, 0.5, 0.25, 0.1])
#: Gaps 0 … SENIORITY_GAPS - 1 have their own value; larger ones share the last.
SENIORITY_GAPS = len(_SENIORITY_BY_GAP)


def seniority_value(level_gap: np.ndarray) -> np.ndarray:
    """Curve value for ``mentor level − mentee level`` (any integer array)."""
    return _SENIORITY_BY_GAP[np.clip(level_gap, 0, len(_SENIORITY_BY_GAP) - 1)]


def preference_value(rank: np.ndarray) -> np.ndarray:
    """``1 / rank`` for ranks ≥ 1; 0 where ``rank`` is 0 (not ranked)."""
    rank = np.asarray(rank, dtype=float)
    return np.divide(1.0, rank, out=np.zeros_like(rank), where=rank > 0)


def contribution_micro(weight: float, value: np.ndarray) -> np.ndarray:
    """``weight × value`` in integer micro-points (element-wise, hence the same
    for a pair whichever array it is computed in)."""
    return np.rint(weight * np.asarray(value, dtype=float) * MICRO).astype(np.int64)


# --------------------------------------------------------------------------- wording


def expertise_text(similarity: float, shared: list[str]) -> str:
    if not shared:
        return "The mentor's expertise shares no key words with the mentee's goals and interests."
    return (
        f"Expertise matches goals and interests (similarity {similarity:.2f}): "
        + ", ".join(shared)
        + "."
    )


def seniority_text(gap: int) -> str:
    if gap <= 0:
        where = "at the same level as" if gap == 0 else f"{-gap} level{_s(-gap)} below"
        return f"The mentor is {where} the mentee: no seniority credit."
    if gap <= 3:
        return f"The mentor is {gap} level{_s(gap)} above the mentee: the best range (1–3)."
    return f"The mentor is {gap} levels above the mentee: partial credit (best is 1–3 above)."


def cross_department_text(mentor_department: str, mentee_department: str) -> str:
    if mentor_department == mentee_department:
        return f"Both are in {mentor_department or 'the same department'}."
    return (
        f"Different departments ({mentee_department or 'none'} → {mentor_department or 'none'}): "
        "widens the mentee's network."
    )


def preference_text(rank: int, ranked: int) -> str:
    if rank == 0:
        if ranked == 0:
            return "The mentee ranked no mentors."
        return "Not among the mentee's ranked mentors."
    return f"The mentee ranked this mentor #{rank} of {ranked}."


def cadence_text(mentor_cadence: str, mentee_cadence: str) -> str:
    if not mentor_cadence or not mentee_cadence:
        return "No shared preferred cadence: one of them did not say how often to meet."
    if mentor_cadence == mentee_cadence:
        return f"Both would like to meet {mentee_cadence}."
    return f"The mentee would like to meet {mentee_cadence}, the mentor {mentor_cadence}."


def _s(count: int) -> str:
    return "" if count == 1 else "s"
