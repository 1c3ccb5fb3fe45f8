"""The hard rules, evaluated for a block of mentees against every mentor at once.

A pair is eligible only if no rule excludes it:

- nobody mentors themselves (someone may apply as both mentee and mentor);
- reporting line: the mentor is not in the mentee's manager chain and the
  mentee is not in the mentor's (no manager, skip-level or report);
- optionally, not in the same department;
- optionally, UTC offsets at ``reference_time`` at most N hours apart, measured
  around the clock (UTC-10 and UTC+12 are 2 h apart, not 22 h);
- optionally, at least one shared language (someone who lists none shares none);
- the two have not been paired before (``excluded_pairs``).

Rules are evaluated on dense boolean blocks (mentees × mentors): a few vector
operations per rule, instead of a Python test per pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import scipy.sparse as sp

from mentorflow.matching.model import HardRule, MatchingInput

_MINUTES_PER_DAY = 24 * 60


class HardRules:
    def __init__(self, problem: MatchingInput) -> None:
        mentees, mentors = problem.mentees, problem.mentors
        self.rules = problem.rules
        self.mentee_count, self.mentor_count = len(mentees), len(mentors)

        people = [*mentees, *mentors]
        department = _codes(p.department for p in people)
        self.mentee_department = np.array([department[p.department] for p in mentees])
        self.mentor_department = np.array([department[p.department] for p in mentors])

        offset = {
            zone: _utc_offset_minutes(zone, problem.reference_time)
            for zone in {p.timezone for p in people}
        }
        self.mentee_offset = np.array([offset[p.timezone] for p in mentees], dtype=np.int32)
        self.mentor_offset = np.array([offset[p.timezone] for p in mentors], dtype=np.int32)

        language = _codes(code for p in people for code in p.languages)
        # float32 so that "any language in common" is one BLAS product; the
        # counts are small integers, exact in float32.
        self.mentee_languages = _incidence([p.languages for p in mentees], language)
        self.mentor_languages = _incidence([p.languages for p in mentors], language)

        mentee_index = {p.employee_id: i for i, p in enumerate(mentees)}
        mentor_index = {p.employee_id: j for j, p in enumerate(mentors)}
        same_person = [(mentee_index[e], j) for e, j in mentor_index.items() if e in mentee_index]
        line: set[tuple[int, int]] = set()
        for i, mentee in enumerate(mentees):
            line.update((i, mentor_index[b]) for b in mentee.manager_chain if b in mentor_index)
        for j, mentor in enumerate(mentors):
            line.update((mentee_index[b], j) for b in mentor.manager_chain if b in mentee_index)
        self.same_person = self._pairs(same_person)
        self.reporting_line = self._pairs(sorted(line))
        before = {
            (mentee_index[p.mentee_id], mentor_index[p.mentor_id])
            for p in problem.excluded_pairs
            if p.mentee_id in mentee_index and p.mentor_id in mentor_index
        }
        self.paired_before = self._pairs(sorted(before))

    def _pairs(self, pairs: list[tuple[int, int]]) -> sp.csr_array:
        rows = np.array([i for i, _ in pairs], dtype=np.int64)
        cols = np.array([j for _, j in pairs], dtype=np.int64)
        flags = np.ones(len(pairs), dtype=bool)
        return sp.csr_array((flags, (rows, cols)), shape=(self.mentee_count, self.mentor_count))

    def exclusions(self, rows: np.ndarray) -> dict[HardRule, np.ndarray]:
        """For mentees ``rows``: rule → (len(rows) × mentors) mask of excluded pairs."""
        masks = {
            HardRule.SELF: self.same_person[rows].toarray(),
            HardRule.REPORTING_LINE: self.reporting_line[rows].toarray(),
        }
        if self.paired_before.nnz:
            masks[HardRule.PAIRED_BEFORE] = self.paired_before[rows].toarray()
        if self.rules.exclude_same_department:
            masks[HardRule.SAME_DEPARTMENT] = (
                self.mentee_department[rows, None] == self.mentor_department[None, :]
            )
        if self.rules.max_timezone_gap_hours is not None:
            apart = np.abs(self.mentee_offset[rows, None] - self.mentor_offset[None, :])
            apart %= _MINUTES_PER_DAY
            gap = np.minimum(apart, _MINUTES_PER_DAY - apart)
            masks[HardRule.TIMEZONE_GAP] = gap > self.rules.max_timezone_gap_hours * 60
        if self.rules.require_shared_language:
            shared = self.mentee_languages[rows] @ self.mentor_languages.T
            masks[HardRule.NO_SHARED_LANGUAGE] = shared < 0.5
        return masks

    def eligible(self, rows: np.ndarray) -> np.ndarray:
        """(len(rows) × mentors) mask of pairs that no rule excludes."""
        masks = iter(self.exclusions(rows).values())
        excluded = next(masks).copy()
        for mask in masks:
            excluded |= mask
        return ~excluded


def _codes(names: Iterable[str]) -> dict[str, int]:
    return {name: code for code, name in enumerate(sorted(set(names)))}


def _utc_offset_minutes(zone: str, instant: datetime) -> int:
    offset = instant.astimezone(ZoneInfo(zone)).utcoffset()
    assert offset is not None  # a ZoneInfo always has one
    return round(offset.total_seconds() / 60)


def _incidence(lists: list[list[str]], index: dict[str, int]) -> np.ndarray:
    matrix = np.zeros((len(lists), max(len(index), 1)), dtype=np.float32)
    for row, codes in enumerate(lists):
        matrix[row, [index[c] for c in codes]] = 1.0
    return matrix
