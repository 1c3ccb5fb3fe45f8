"""The capacitated assignment, solved exactly with SciPy's sparse LAPJVsp.

Objective, in this order: match as many mentees as possible, then maximise the
total score. Scores are non-negative integers (micro-points), at most
``max_score`` per pair; the input is the dense mentee × mentor score matrix
with -1 where a hard rule forbids the pair.

Lexicographic weights
---------------------
A pair is worth ``w = L + score``. With ``L > min(mentees, mentors) ·
max_score`` the heaviest assignment is the lexicographic optimum: one more
mentee matched is worth L, while the pairs that must be re-seated to make
room (an augmenting path visits each mentor at most once once exchange cycles
are split off) can lose at most ``min(mentees, mentors) · max_score``.

The reduction to LAPJVsp
------------------------
- Each mentor becomes ``capacity`` interchangeable slots, so "at most c
  mentees" becomes "each slot used at most once".
- The smaller side (slots or mentees) are the rows; every row also gets a
  private dummy column, "stays unused/unmatched", so a full matching (every row
  matched), which LAPJVsp requires, always exists. LAPJVsp augments once per
  row: with 6,000 slots for 10,000 mentees, slot rows solve ~9× faster.
- Costs are ``base − score`` for a real edge and ``base + L`` for a dummy, with
  ``base = max_score + 1`` so every cost is ≥ 1 (SciPy reads 0 as "no edge").
  A full matching with k real pairs costs ``rows·(base + L) − Σ w``: the
  cheapest is the heaviest.

Exact candidate pruning
-----------------------
Most eligible pairs cannot be in the optimum (10,000 mentees × 3,000 mentors
is 15 million eligible pairs for 6,000 places). The solver first takes short
lists: each mentee's best mentors and, per block of mentees, each mentor's
best mentees. It solves that sparse problem, then proves the answer optimal
for *all* eligible pairs with LP duality: it builds mentee utilities u ≥ 0 and
mentor prices p ≥ 0 that are tight on the chosen pairs (complementary
slackness) and checks ``u_i + p_j ≥ w_ij`` for every eligible pair. The worst
offenders are added and the problem is solved again; when no pair fails, the
assignment is optimal for the whole problem (the assignment LP is integral).
The short lists decide how fast this goes, never how good the answer is
(only which of several equally good answers comes out). The check
is integer arithmetic; the costs LAPJVsp sees are integers far below 2**53, so
its float64 arithmetic is exact too.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

#: Short lists: each mentee's best mentors; per block of mentees, each
#: mentor's best mentees; and per check, how many offending pairs each mentee
#: (and, per block, each mentor) adds. They change speed only, never the result.
MENTEE_SHORTLIST = 3
MENTOR_SHORTLIST = 2
MENTEE_ADDITIONS = 2
MENTOR_ADDITIONS = 2
#: Rows of the score matrix handled at once (bounds temporary memory).
_BLOCK_ROWS = 1024

#: For a block of score rows (and the index of its first row): how much each
#: pair is wanted, > 0 for a pair worth listing (larger first), ≤ 0 otherwise.
Appeal = Callable[[np.ndarray, int], np.ndarray]


class SolverError(RuntimeError):
    """The optimality certificate could not be built: a bug, not bad input."""


def lexicographic_weight(mentee_count: int, mentor_count: int, max_score: int) -> int:
    """L: what matching one more mentee is worth, more than any score lost."""
    return min(mentee_count, mentor_count) * max_score + 1


def assign(score: np.ndarray, capacity: np.ndarray, max_score: int) -> np.ndarray:
    """Mentor index for each mentee, or -1 when the mentee stays unmatched.

    ``score`` is the (mentees × mentors) int32 matrix, -1 = not eligible.
    """
    n, m = score.shape
    if n == 0 or m == 0 or not (score >= 0).any():
        return np.full(n, -1, dtype=np.int64)
    big = lexicographic_weight(n, m, max_score)

    def eligible(block: np.ndarray, start: int) -> np.ndarray:
        return block.astype(np.int64) + 1

    mentee, mentor = _most_appealing(score, eligible, MENTEE_SHORTLIST, MENTOR_SHORTLIST)
    while True:
        chosen = _solve(mentee, mentor, score[mentee, mentor], capacity, n, max_score, big)
        utility, price = _certificate(chosen, mentee, mentor, score, capacity, big)
        more_mentee, more_mentor = _most_appealing(
            score, _uncovered(utility, price, big), MENTEE_ADDITIONS, MENTOR_ADDITIONS
        )
        if more_mentee.size == 0:
            return chosen
        mentee, mentor = _union(
            np.concatenate((mentee, more_mentee)), np.concatenate((mentor, more_mentor)), m
        )


def _uncovered(utility: np.ndarray, price: np.ndarray, big: int) -> Appeal:
    """How far each pair's worth ``L + score`` exceeds ``u + p``: > 0 exactly
    for the pairs that break the certificate."""

    def appeal(block: np.ndarray, start: int) -> np.ndarray:
        cover = utility[start : start + block.shape[0], None] + price[None, :] - big
        # Not-eligible pairs hold -1, and u + p - L is never below -L: clipping
        # it at -1 keeps them at ≤ 0.
        return block - np.maximum(cover, -1)

    return appeal


def _most_appealing(
    score: np.ndarray, appeal: Appeal, per_mentee: int, per_mentor: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each mentee's ``per_mentee`` most appealing pairs and, in each block of
    mentees, each mentor's ``per_mentor``; only pairs with appeal > 0.
    Repeated arg-max: far cheaper than sorting millions of cells."""
    n, m = score.shape
    found: list[tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, n, _BLOCK_ROWS):
        block = appeal(score[start : start + _BLOCK_ROWS], start)
        rows, columns = np.arange(block.shape[0]), np.arange(m)
        for _ in range(min(per_mentee, m)):
            best = block.argmax(axis=1)
            wanted = block[rows, best] > 0
            found.append((rows[wanted] + start, best[wanted]))
            block[rows, best] = 0
        for _ in range(min(per_mentor, block.shape[0])):
            best = block.argmax(axis=0)
            wanted = block[best, columns] > 0
            found.append((best[wanted] + start, columns[wanted]))
            block[best, columns] = 0
    mentee = np.concatenate([i for i, _ in found])
    mentor = np.concatenate([j for _, j in found])
    return _union(mentee, mentor, m)


def _union(mentee: np.ndarray, mentor: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct pairs sorted by mentee, then mentor."""
    key = np.unique(mentee.astype(np.int64) * m + mentor)
    return key // m, key % m


def _solve(
    mentee: np.ndarray,
    mentor: np.ndarray,
    pair_score: np.ndarray,
    capacity: np.ndarray,
    n: int,
    max_score: int,
    big: int,
) -> np.ndarray:
    """Optimal assignment over the listed pairs only: mentor per mentee or -1."""
    first_slot = np.concatenate(([0], np.cumsum(capacity)[:-1]))
    slot_owner = np.repeat(np.arange(capacity.size), capacity)
    slots = slot_owner.size
    copies = capacity[mentor]
    expanded = np.repeat(np.arange(mentee.size), copies)
    # Copy k of a pair goes to slot k of its mentor.
    within = np.arange(expanded.size) - np.repeat(np.cumsum(copies) - copies, copies)
    slot = first_slot[mentor[expanded]] + within
    person = mentee[expanded]
    base = max_score + 1
    cost = (base - pair_score[expanded]).astype(np.float64)

    slot_rows = slots <= n
    rows, columns = (slot, person) if slot_rows else (person, slot)
    row_count, column_count = (slots, n) if slot_rows else (n, slots)
    own_dummy = np.arange(row_count)
    graph = sp.csr_array(
        (
            np.concatenate((cost, np.full(row_count, float(base + big)))),
            (
                np.concatenate((rows, own_dummy)),
                np.concatenate((columns, column_count + own_dummy)),
            ),
        ),
        shape=(row_count, column_count + row_count),
    )
    matched_rows, matched_columns = min_weight_full_bipartite_matching(graph)
    real = matched_columns < column_count
    matched_rows, matched_columns = matched_rows[real], matched_columns[real]
    chosen = np.full(n, -1, dtype=np.int64)
    if slot_rows:
        chosen[matched_columns] = slot_owner[matched_rows]
    else:
        chosen[matched_rows] = slot_owner[matched_columns]
    return chosen


def _certificate(
    chosen: np.ndarray,
    mentee: np.ndarray,
    mentor: np.ndarray,
    score: np.ndarray,
    capacity: np.ndarray,
    big: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Dual prices proving ``chosen`` optimal over the listed pairs.

    Mentor prices are the least ones consistent with the assignment: a mentor
    is worth at least what an unmatched mentee would bring (``L + score``),
    and at least what one of its own mentees' alternatives implies
    (``p[j'] ≥ p[M(i)] + score[i, j'] − score[i, M(i)]``). These are longest
    paths; the assignment being optimal means no cycle gains, so they settle
    within one round per mentor. A mentee's utility is what is left of its
    pair's worth. The invariants are checked, never assumed.
    """
    n, m = score.shape
    matched = chosen >= 0
    own = np.where(matched, chosen, 0)
    own_score = np.where(matched, score[np.arange(n), own].astype(np.int64), 0)
    pair_score = score[mentee, mentor].astype(np.int64)

    price = np.zeros(m, dtype=np.int64)
    lone = ~matched[mentee]
    np.maximum.at(price, mentor[lone], big + pair_score[lone])

    alternative = matched[mentee] & (mentor != chosen[mentee])
    source = own[mentee[alternative]]
    target = mentor[alternative]
    gain = pair_score[alternative] - own_score[mentee[alternative]]
    order = np.argsort(target, kind="stable")
    source, target, gain = source[order], target[order], gain[order]
    targets, starts = np.unique(target, return_index=True)
    for _ in range(m + 1):
        if targets.size == 0:
            break
        best = np.maximum.reduceat(price[source] + gain, starts)
        if not (best > price[targets]).any():
            break
        price[targets] = np.maximum(price[targets], best)
    else:
        raise SolverError("mentor prices do not settle: the assignment is not optimal")

    utility = np.where(matched, big + own_score - price[own], 0)
    assigned = np.bincount(chosen[matched], minlength=m)
    if (utility < 0).any() or (price[assigned < capacity] != 0).any():
        raise SolverError("no optimality certificate: the assignment is not optimal")
    return utility, price
