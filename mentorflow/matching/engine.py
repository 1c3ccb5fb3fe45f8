"""One matching run: hard rules → candidate pairs with scores → optimal
assignment → explanations and reasons.

Pure and deterministic: no clock, no randomness, no I/O. The input is first
put in canonical order (people by employee id), so the same applications in
any order give the same result, byte for byte.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mentorflow.matching import criteria
from mentorflow.matching.model import (
    ENGINE_VERSION,
    MICRO,
    Criterion,
    CriterionScore,
    HardRule,
    MatchedPair,
    MatchingInput,
    MatchingResult,
    MentorWithCapacity,
    UnmatchedMentee,
    UnmatchedReason,
)
from mentorflow.matching.rules import HardRules
from mentorflow.matching.solver import assign
from mentorflow.matching.text import TfidfSpace

#: Dense working blocks of about this many mentee × mentor cells (~32 MB of
#: float64): memory stays flat however large the cohort.
_BLOCK_CELLS = 4_000_000


class _Run:
    def __init__(self, problem: MatchingInput) -> None:
        self.problem = problem
        self.mentees, self.mentors = problem.mentees, problem.mentors
        self.weights = problem.weights
        self.n, self.m = len(self.mentees), len(self.mentors)
        self.rules = HardRules(problem)
        self.texts = TfidfSpace(
            [f"{p.goals}\n{p.interests}" for p in self.mentees]
            + [p.expertise for p in self.mentors]
        )
        self.mentee_vectors = self.texts.vectors(0, self.n)
        self.mentor_vectors = self.texts.vectors(self.n, self.n + self.m)
        self.mentor_vectors_t = self.mentor_vectors.T.tocsr()
        self.mentee_level = np.array([p.level for p in self.mentees], dtype=np.int64)
        self.mentor_level = np.array([p.level for p in self.mentors], dtype=np.int64)
        self.capacity = np.array([p.capacity for p in self.mentors], dtype=np.int64)
        # Preferred cadences as codes; a blank gets -1 on the mentee side and
        # -2 on the mentor side, so two people who did not say never agree.
        named = {p.preferred_cadence for p in [*self.mentees, *self.mentors]} - {""}
        code = {cadence: k for k, cadence in enumerate(sorted(named))}
        self.mentee_cadence = np.array(
            [code.get(p.preferred_cadence, -1) for p in self.mentees], dtype=np.int64
        )
        self.mentor_cadence = np.array(
            [code.get(p.preferred_cadence, -2) for p in self.mentors], dtype=np.int64
        )
        self.preference_rank = self._preference_ranks()
        self.preference_micro = self.preference_rank.copy()
        self.preference_micro.data = criteria.contribution_micro(
            self.weights.preference, criteria.preference_value(self.preference_rank.data)
        )

    def _preference_ranks(self) -> sp.csr_array:
        mentor_index = {p.employee_id: j for j, p in enumerate(self.mentors)}
        rows, cols, ranks = [], [], []
        for i, mentee in enumerate(self.mentees):
            for rank, mentor_id in enumerate(mentee.preferred_mentor_ids, start=1):
                if mentor_id in mentor_index:  # a ranked mentor who did not apply is skipped
                    rows.append(i)
                    cols.append(mentor_index[mentor_id])
                    ranks.append(rank)
        return sp.csr_array(
            (np.array(ranks, dtype=np.int64), (np.array(rows, dtype=np.int64), cols)),
            shape=(self.n, self.m),
        )

    # ----------------------------------------------------------------- scoring

    def max_score(self) -> int:
        """A bound on any pair's score: every criterion at its best (1)."""
        one = np.ones(1)
        return int(
            sum(
                criteria.contribution_micro(weight, one)[0]
                for weight in self.weights.model_dump().values()
            )
        )

    def score_matrix(self) -> np.ndarray:
        """(mentees × mentors) int32 scores in micro-points, -1 where a hard rule
        forbids the pair. 4 bytes a cell: 120 MB for 10,000 × 3,000."""
        score = np.empty((self.n, self.m), dtype=np.int32)
        block = max(1, _BLOCK_CELLS // max(self.m, 1))
        w = self.weights
        seniority_table = criteria.contribution_micro(
            w.seniority, criteria.seniority_value(np.arange(criteria.SENIORITY_GAPS))
        )
        cross = int(criteria.contribution_micro(w.cross_department, np.ones(1))[0])
        cadence = int(criteria.contribution_micro(w.cadence, np.ones(1))[0])
        for start in range(0, self.n, block):
            rows = np.arange(start, min(start + block, self.n))
            similarity = (self.mentee_vectors[rows] @ self.mentor_vectors_t).toarray()
            total = criteria.contribution_micro(w.expertise, similarity)
            gap = self.mentor_level[None, :] - self.mentee_level[rows, None]
            total += seniority_table[np.clip(gap, 0, criteria.SENIORITY_GAPS - 1)]
            total += cross * (
                self.rules.mentee_department[rows, None] != self.rules.mentor_department[None, :]
            )
            total += self.preference_micro[rows].toarray()
            total += cadence * (self.mentee_cadence[rows, None] == self.mentor_cadence[None, :])
            total[~self.rules.eligible(rows)] = -1
            score[rows] = total
        return score

    # ----------------------------------------------------------------- result

    def explain(
        self, mentee: np.ndarray, mentor: np.ndarray, score: np.ndarray
    ) -> list[list[CriterionScore]]:
        """Criterion by criterion for each pair, with the same element-wise
        arithmetic as the score matrix, so contributions add up to the score.
        Text similarity comes from a sparse product whose last-bit rounding is
        not worth re-deriving: its contribution is what the other three leave."""
        if mentee.size == 0:
            return []
        w = self.weights
        similarity = np.asarray(
            self.mentee_vectors[mentee].multiply(self.mentor_vectors[mentor]).sum(axis=1)
        ).ravel()
        gap = self.mentor_level[mentor] - self.mentee_level[mentee]
        differ = self.rules.mentee_department[mentee] != self.rules.mentor_department[mentor]
        rank = np.asarray(self.preference_rank[mentee, mentor]).ravel()
        same_cadence = self.mentee_cadence[mentee] == self.mentor_cadence[mentor]
        value = {
            Criterion.EXPERTISE: similarity,
            Criterion.SENIORITY: criteria.seniority_value(gap),
            Criterion.CROSS_DEPARTMENT: differ.astype(float),
            Criterion.PREFERENCE: criteria.preference_value(rank),
            Criterion.CADENCE: same_cadence.astype(float),
        }
        micro = {c: criteria.contribution_micro(getattr(w, c), v) for c, v in value.items()}
        micro[Criterion.EXPERTISE] = score - (
            micro[Criterion.SENIORITY]
            + micro[Criterion.CROSS_DEPARTMENT]
            + micro[Criterion.PREFERENCE]
            + micro[Criterion.CADENCE]
        )
        raw = {
            Criterion.EXPERTISE: similarity,
            Criterion.SENIORITY: gap.astype(float),
            Criterion.CROSS_DEPARTMENT: differ.astype(float),
            Criterion.PREFERENCE: rank.astype(float),
            Criterion.CADENCE: same_cadence.astype(float),
        }
        explanations = []
        for k, (i, j) in enumerate(zip(mentee.tolist(), mentor.tolist(), strict=True)):
            shared = self.texts.shared_terms(i, self.n + j)
            text = {
                Criterion.EXPERTISE: criteria.expertise_text(float(similarity[k]), shared),
                Criterion.SENIORITY: criteria.seniority_text(int(gap[k])),
                Criterion.CROSS_DEPARTMENT: criteria.cross_department_text(
                    self.mentors[j].department, self.mentees[i].department
                ),
                Criterion.PREFERENCE: criteria.preference_text(
                    int(rank[k]), len(self.mentees[i].preferred_mentor_ids)
                ),
                Criterion.CADENCE: criteria.cadence_text(
                    self.mentors[j].preferred_cadence, self.mentees[i].preferred_cadence
                ),
            }
            explanations.append(
                [
                    CriterionScore(
                        criterion=c,
                        # An unranked mentor has no rank to show.
                        raw=None if c is Criterion.PREFERENCE and not rank[k] else raw[c][k],
                        value=value[c][k],
                        weight=getattr(w, c),
                        contribution=int(micro[c][k]) / MICRO,
                        text=text[c],
                        terms=shared if c is Criterion.EXPERTISE else [],
                    )
                    for c in Criterion
                ]
            )
        return explanations

    def unmatched(self, rows: np.ndarray, eligible_count: np.ndarray) -> list[UnmatchedMentee]:
        if self.m == 0:
            return [
                UnmatchedMentee(
                    mentee_id=self.mentees[i].employee_id,
                    reason=UnmatchedReason.NO_MENTORS,
                    text="No mentors applied to this cohort.",
                    eligible_mentors=0,
                    excluded_by={},
                )
                for i in rows
            ]
        found: list[UnmatchedMentee] = []
        block = max(1, _BLOCK_CELLS // self.m)
        for start in range(0, rows.size, block):
            chunk = rows[start : start + block]
            counts = {rule: mask.sum(axis=1) for rule, mask in self.rules.exclusions(chunk).items()}
            for k, i in enumerate(chunk):
                excluded_by = {rule: int(c[k]) for rule, c in counts.items() if c[k]}
                eligible = int(eligible_count[i])
                if eligible:
                    reason = UnmatchedReason.MENTORS_AT_CAPACITY
                    text = (
                        f"All {eligible} eligible mentor{'s are' if eligible > 1 else ' is'} "
                        "at capacity: no arrangement that includes you matches more mentees "
                        "or reaches a higher total score."
                    )
                else:
                    reason = UnmatchedReason.NO_ELIGIBLE_MENTOR
                    text = self._no_eligible_text(excluded_by)
                found.append(
                    UnmatchedMentee(
                        mentee_id=self.mentees[i].employee_id,
                        reason=reason,
                        text=text,
                        eligible_mentors=eligible,
                        excluded_by=excluded_by,
                    )
                )
        return found

    def _no_eligible_text(self, excluded_by: dict[HardRule, int]) -> str:
        gap = self.problem.rules.max_timezone_gap_hours
        wording = {
            HardRule.SELF: "is you (you applied as both)",
            HardRule.REPORTING_LINE: "in your reporting line",
            HardRule.SAME_DEPARTMENT: "in your department",
            HardRule.TIMEZONE_GAP: f"more than {gap or 0:g} h away",
            HardRule.NO_SHARED_LANGUAGE: "without a language in common with you",
            HardRule.PAIRED_BEFORE: "who mentored you before",
        }
        parts = [f"{count} {wording[rule]}" for rule, count in excluded_by.items()]
        several = " (a mentor may fail several rules)" if sum(excluded_by.values()) > self.m else ""
        return f"No eligible mentor among {self.m}: " + ", ".join(parts) + several + "."


def score_matrix(problem: MatchingInput) -> tuple[np.ndarray, np.ndarray, int]:
    """The assignment problem ``match`` solves, for baselines and audits to
    solve their own way: the score matrix of the canonical input (mentees ×
    mentors, micro-points, -1 = forbidden), the capacities, and the bound on a
    pair's score."""
    run = _Run(problem.canonical())
    return run.score_matrix(), run.capacity, run.max_score()


def match(problem: MatchingInput) -> MatchingResult:
    """Propose mentor–mentee pairs: as many mentees matched as the hard rules
    and capacities allow, and among those arrangements the highest total score."""
    canonical = problem.canonical()
    run = _Run(canonical)
    score = run.score_matrix()
    chosen = assign(score, run.capacity, run.max_score())

    mentee = np.flatnonzero(chosen >= 0)
    mentor = chosen[mentee]
    pair_score = score[mentee, mentor].astype(np.int64)
    pairs = [
        MatchedPair(
            mentor_id=run.mentors[j].employee_id,
            mentee_id=run.mentees[i].employee_id,
            score=int(micro) / MICRO,
            explanation=explanation,
        )
        for i, j, micro, explanation in zip(
            mentee.tolist(),
            mentor.tolist(),
            pair_score.tolist(),
            run.explain(mentee, mentor, pair_score),
            strict=True,
        )
    ]

    eligible_count = (score >= 0).sum(axis=1)
    unmatched = run.unmatched(np.flatnonzero(chosen < 0), eligible_count)

    assigned = np.bincount(chosen[chosen >= 0], minlength=run.m)
    with_room = [
        MentorWithCapacity(
            mentor_id=profile.employee_id, capacity=profile.capacity, assigned=int(assigned[j])
        )
        for j, profile in enumerate(run.mentors)
        if assigned[j] < profile.capacity
    ]
    return MatchingResult(
        engine_version=ENGINE_VERSION,
        input_digest=canonical.digest(),
        pairs=pairs,
        unmatched_mentees=unmatched,
        mentors_with_capacity=with_room,
        matched_count=len(pairs),
        total_score=int(pair_score.sum()) / MICRO,
    )
