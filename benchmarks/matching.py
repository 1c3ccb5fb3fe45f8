"""Benchmark: the matching engine against a dense optimum and a greedy baseline.

    .venv/bin/python benchmarks/matching.py [--mentees 10000] [--mentors 3000] [--seed 2027]

Generates a realistic organisation (see organisation.py), runs
``mentorflow.matching.match`` end to end (scoring, assignment, explanations),
then solves the engine's own score matrix with a dense
``scipy.optimize.linear_sum_assignment`` and with a greedy pass, and prints
time, mentees matched and total score for each. Exits 1 if the engine's total
differs from the dense optimum. Timings are wall-clock, best of one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import scipy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from baselines import dense_optimum, greedy
from organisation import generate

from mentorflow.matching import match
from mentorflow.matching.engine import score_matrix
from mentorflow.matching.model import MICRO
from mentorflow.matching.solver import assign

T = TypeVar("T")


def timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def outcome(chosen: np.ndarray, score: np.ndarray) -> tuple[int, int]:
    """(mentees matched, total score in micro-points), checking every rule."""
    mentee = np.flatnonzero(chosen >= 0)
    pair_score = score[mentee, chosen[mentee]].astype(np.int64)
    if (pair_score < 0).any():
        raise AssertionError("a baseline chose a pair that a hard rule forbids")
    return mentee.size, int(pair_score.sum())


def machine() -> str:
    """CPU model, cores and memory as lscpu and free would show them."""
    model = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} CPUs, {memory:.0f} GiB RAM"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--skip-dense", action="store_true", help="leave out the dense baseline")
    args = parser.parse_args()

    problem, generate_s = timed(lambda: generate(args.mentees, args.mentors, args.seed))
    result, engine_s = timed(lambda: match(problem))
    (score, capacity, max_score), matrix_s = timed(lambda: score_matrix(problem))
    eligible = int((score >= 0).sum())
    print(
        f"organisation: {args.mentees:,} mentees, {args.mentors:,} mentors with "
        f"{int(capacity.sum()):,} places (capacity 1-3), seed {args.seed}; "
        f"generated in {generate_s:.1f} s"
    )
    print(
        f"eligible pairs: {eligible:,} of {score.size:,} ({eligible / score.size:.1%}); "
        f"rules {problem.rules.model_dump()}"
    )
    print(f"weights {problem.weights.model_dump()}")
    print(
        f"machine: {machine()}; Python {platform.python_version()}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}"
    )
    print()

    rows = [("mentorflow.matching, end to end", engine_s,
             result.matched_count, round(result.total_score * MICRO))]  # fmt: skip
    chosen, assign_s = timed(lambda: assign(score, capacity, max_score))
    rows.append(("  of which the exact sparse assignment", assign_s, *outcome(chosen, score)))
    dense_total = None
    if not args.skip_dense:
        chosen, dense_s = timed(lambda: dense_optimum(score, capacity, max_score))
        matched, dense_total = outcome(chosen, score)
        rows.append(("dense linear_sum_assignment", dense_s, matched, dense_total))
    chosen, greedy_s = timed(lambda: greedy(score, capacity))
    rows.append(("greedy, highest score first", greedy_s, *outcome(chosen, score)))

    print(f"{'solver':<46}{'time (s)':>10}{'matched':>10}{'total score':>16}")
    for name, seconds, matched, total in rows:
        print(f"{name:<46}{seconds:>10.2f}{matched:>10,}{total / MICRO:>16.6f}")
    print()
    print(
        f"end to end = score matrix ({matrix_s:.2f} s) + assignment + explanations and "
        "reasons; the other rows start from that score matrix."
    )
    if dense_total is None:
        print("dense baseline skipped: optimality not compared")
        return 0
    same = rows[0][2] == rows[1][2] and rows[0][3] == dense_total
    print(f"engine equals the dense optimum (matched and total score): {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
