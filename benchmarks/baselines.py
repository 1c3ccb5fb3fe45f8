"""The two baselines the matching engine is measured against, solving the very
same problem: the engine's score matrix (mentees × mentors, micro-points,
-1 = forbidden by a hard rule), the mentors' capacities and the same
lexicographic objective (most mentees matched, then highest total score).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from mentorflow.matching.solver import lexicographic_weight


def dense_optimum(score: np.ndarray, capacity: np.ndarray, max_score: int) -> np.ndarray:
    """``scipy.optimize.linear_sum_assignment`` on the dense slot-expanded matrix
    (one column per place: 10,000 × 6,000 float64 is 480 MB).

    A pair is worth ``L + score`` (L from the engine: one more mentee matched
    outweighs any score), a forbidden cell 0. The rectangular solver assigns
    every row of the smaller side; a row it gives a 0 cell stands for "left
    unmatched" and is dropped, which is the same as forbidding the cell and
    offering a dummy, without doubling the matrix. Returns the mentor of each
    mentee, or -1.
    """
    n, m = score.shape
    big = lexicographic_weight(n, m, max_score)
    place_owner = np.repeat(np.arange(m), capacity)
    worth = np.where(score >= 0, score.astype(np.float64) + big, 0.0)[:, place_owner]
    rows, places = linear_sum_assignment(worth, maximize=True)
    real = worth[rows, places] > 0
    chosen = np.full(n, -1, dtype=np.int64)
    chosen[rows[real]] = place_owner[places[real]]
    return chosen


def greedy(score: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Highest-scoring eligible pair first, skipping a pair whose mentee is
    taken or whose mentor is full; ties by mentee, then mentor index."""
    n = score.shape[0]
    mentee, mentor = np.nonzero(score >= 0)
    order = np.argsort(-score[mentee, mentor], kind="stable")
    room = capacity.astype(np.int64).copy()
    chosen = np.full(n, -1, dtype=np.int64)
    places_left, mentees_left = int(room.sum()), n
    for i, j in zip(mentee[order].tolist(), mentor[order].tolist(), strict=True):
        if chosen[i] < 0 and room[j] > 0:
            chosen[i] = j
            room[j] -= 1
            places_left -= 1
            mentees_left -= 1
            if places_left == 0 or mentees_left == 0:
                break
    return chosen
