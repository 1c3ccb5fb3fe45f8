"""Property tests of the matching engine against independent oracles: the
hard rules re-checked in plain Python, brute force over every assignment on
small cohorts, and max-flow plus a dense solver on larger ones."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import maximum_flow

from mentorflow.matching import (
    MatchingInput,
    MatchingResult,
    MatchingRules,
    MatchingWeights,
    MenteeProfile,
    MentorProfile,
    UnmatchedReason,
    match,
    solver,
)
from mentorflow.matching.engine import score_matrix

POOL = [f"p{k}" for k in range(8)]
# UTC-10 … UTC+13 in January: some pairs are closer the other way round the clock.
ZONES = ["Pacific/Honolulu", "America/New_York", "UTC", "Asia/Kolkata", "Pacific/Auckland"]
WORDS = ["python", "sales", "design", "leadership", "sql", "negotiation", "hiring"]
AT = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)

# Few distinct weight values, so that ties (the hard case for determinism) are common.
weight = st.sampled_from([0.0, 0.5, 1.0, 2.5]) | st.floats(0, 10, allow_nan=False)
text = st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join)


def people(ids: list[str], draw: st.DrawFn) -> list[dict[str, object]]:
    return [
        {
            "employee_id": employee_id,
            "department": draw(st.sampled_from(["Sales", "Data", "Legal"])),
            "manager_chain": draw(st.lists(st.sampled_from(POOL), max_size=3, unique=True)),
            "level": draw(st.integers(1, 8)),
            "timezone": draw(st.sampled_from(ZONES)),
            "languages": draw(st.lists(st.sampled_from(["en", "de", "fr"]), max_size=2)),
            "preferred_cadence": draw(st.sampled_from(["", "weekly", "biweekly", "monthly"])),
        }
        for employee_id in ids
    ]


@st.composite
def cohorts(draw: st.DrawFn, max_mentees: int = 5, max_mentors: int = 4) -> MatchingInput:
    pool = POOL + [f"q{k}" for k in range(max(0, max_mentees + max_mentors - len(POOL)))]
    mentee_ids = draw(
        st.lists(st.sampled_from(pool), min_size=1, max_size=max_mentees, unique=True)
    )
    # Mentors come from the same pool: someone may apply as both.
    mentor_ids = draw(
        st.lists(st.sampled_from(pool), min_size=1, max_size=max_mentors, unique=True)
    )
    mentees = [
        MenteeProfile(
            **fields,
            goals=draw(text),
            interests=draw(text),
            preferred_mentor_ids=draw(st.lists(st.sampled_from(pool), max_size=3, unique=True)),
        )
        for fields in people(mentee_ids, draw)
    ]
    mentors = [
        MentorProfile(**fields, capacity=draw(st.integers(1, 2)), expertise=draw(text))
        for fields in people(mentor_ids, draw)
    ]
    rules = MatchingRules(
        exclude_same_department=draw(st.booleans()),
        max_timezone_gap_hours=draw(st.none() | st.sampled_from([0.0, 3.0, 6.0, 12.0])),
        require_shared_language=draw(st.booleans()),
    )
    weights = MatchingWeights(
        expertise=draw(weight),
        seniority=draw(weight),
        cross_department=draw(weight),
        preference=draw(weight),
        cadence=draw(weight),
    )
    return MatchingInput(
        mentees=mentees, mentors=mentors, rules=rules, weights=weights, reference_time=AT
    )


# --------------------------------------------------------------------------- oracles


def _offset(zone: str) -> timedelta:
    offset = AT.astimezone(ZoneInfo(zone)).utcoffset()
    assert offset is not None
    return offset


def allowed(mentee: MenteeProfile, mentor: MentorProfile, rules: MatchingRules) -> bool:
    """The hard rules, written out once more without vectors."""
    if mentee.employee_id == mentor.employee_id:
        return False
    if mentor.employee_id in mentee.manager_chain or mentee.employee_id in mentor.manager_chain:
        return False
    if rules.exclude_same_department and mentee.department == mentor.department:
        return False
    if rules.max_timezone_gap_hours is not None:
        apart = abs(_offset(mentee.timezone) - _offset(mentor.timezone)) % timedelta(hours=24)
        gap = min(apart, timedelta(hours=24) - apart)
        if gap > timedelta(hours=rules.max_timezone_gap_hours):
            return False
    return not (rules.require_shared_language and not set(mentee.languages) & set(mentor.languages))


def eligibility(cohort: MatchingInput) -> np.ndarray:
    canonical = cohort.canonical()
    return np.array(
        [[allowed(e, m, cohort.rules) for m in canonical.mentors] for e in canonical.mentees],
        dtype=bool,
    ).reshape(len(canonical.mentees), len(canonical.mentors))


def brute_force(score: np.ndarray, capacity: np.ndarray) -> tuple[int, int]:
    """(most mentees matched, best total among those) over every assignment."""
    n, m = score.shape
    best = (0, 0)
    for choice in itertools.product(range(-1, m), repeat=n):
        load = np.bincount([j for j in choice if j >= 0], minlength=m)
        if (load > capacity).any() or any(j >= 0 and score[i, j] < 0 for i, j in enumerate(choice)):
            continue
        matched = [(i, j) for i, j in enumerate(choice) if j >= 0]
        best = max(best, (len(matched), sum(int(score[i, j]) for i, j in matched)))
    return best


def micro(value: float) -> int:
    return round(value * 1_000_000)


def check_result(cohort: MatchingInput, result: MatchingResult) -> None:
    """What must hold for every result, whatever the objective."""
    mentees = {p.employee_id: p for p in cohort.mentees}
    mentors = {p.employee_id: p for p in cohort.mentors}
    matched = [p.mentee_id for p in result.pairs]
    assert len(matched) == len(set(matched)) == result.matched_count
    load: dict[str, int] = {}
    for pair in result.pairs:
        assert allowed(mentees[pair.mentee_id], mentors[pair.mentor_id], cohort.rules)
        load[pair.mentor_id] = load.get(pair.mentor_id, 0) + 1
        assert sum(micro(c.contribution) for c in pair.explanation) == micro(pair.score)
        assert all(c.contribution >= 0 and c.text for c in pair.explanation)
    assert all(load[m] <= mentors[m].capacity for m in load)
    assert micro(result.total_score) == sum(micro(p.score) for p in result.pairs)

    # Every mentee is either matched or has a reason, never both.
    unmatched = {u.mentee_id: u for u in result.unmatched_mentees}
    assert set(unmatched) | set(matched) == set(mentees)
    assert not set(unmatched) & set(matched)
    for mentee_id, reason in unmatched.items():
        candidates = [m for m in mentors.values() if allowed(mentees[mentee_id], m, cohort.rules)]
        assert reason.eligible_mentors == len(candidates)
        assert reason.text
        if candidates:
            assert reason.reason is UnmatchedReason.MENTORS_AT_CAPACITY
            # Otherwise this mentee could simply have been added.
            assert all(load.get(m.employee_id, 0) == m.capacity for m in candidates)
        else:
            assert reason.reason in (UnmatchedReason.NO_ELIGIBLE_MENTOR, UnmatchedReason.NO_MENTORS)

    room = {m.mentor_id: m.assigned for m in result.mentors_with_capacity}
    assert room == {
        m: load.get(m, 0) for m, profile in mentors.items() if load.get(m, 0) < profile.capacity
    }


# --------------------------------------------------------------------------- properties


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts())
def test_optimal_against_brute_force(cohort: MatchingInput) -> None:
    result = match(cohort)
    check_result(cohort, result)
    score, capacity, _ = score_matrix(cohort)
    assert ((score >= 0) == eligibility(cohort)).all()
    assert (result.matched_count, micro(result.total_score)) == brute_force(score, capacity)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohorts(max_mentees=30, max_mentors=10))
def test_optimal_against_max_flow_and_a_dense_solver(cohort: MatchingInput) -> None:
    result = match(cohort)
    check_result(cohort, result)
    score, capacity, max_score = score_matrix(cohort)
    n, m = score.shape

    # Most mentees that can be matched: a max flow source → mentee → mentor → sink.
    source, sink = n + m, n + m + 1
    mentee, mentor = np.nonzero(eligibility(cohort))
    tails = np.concatenate((np.full(n, source), mentee, n + np.arange(m)))
    heads = np.concatenate((np.arange(n), n + mentor, np.full(m, sink)))
    capacities = np.concatenate((np.ones(n + mentee.size), capacity)).astype(np.int32)
    network = sp.csr_array((capacities, (tails, heads)), shape=(n + m + 2, n + m + 2))
    assert result.matched_count == maximum_flow(network, source, sink).flow_value

    # Best total among those: a dense solver on the slot-expanded matrix.
    big = solver.lexicographic_weight(n, m, max_score)
    owner = np.repeat(np.arange(m), capacity)
    worth = np.where(score >= 0, score.astype(np.int64) + big, 0).astype(float)[:, owner]
    rows, places = linear_sum_assignment(worth, maximize=True)
    real = worth[rows, places] > 0
    assert micro(result.total_score) == int(score[rows[real], owner[places[real]]].sum())

    # Short lists of one pair per mentee leave most of the work to the
    # optimality certificate: it may pick another of several equally good
    # answers, but never a worse one.
    starved = dict(MENTEE_SHORTLIST=1, MENTOR_SHORTLIST=0, MENTEE_ADDITIONS=1, MENTOR_ADDITIONS=0)
    with mock.patch.multiple(solver, **starved):
        again = match(cohort)
    check_result(cohort, again)
    assert (again.matched_count, again.total_score) == (result.matched_count, result.total_score)


@settings(max_examples=60, deadline=None)
@given(cohorts(max_mentees=8, max_mentors=5), st.data())
def test_the_order_of_applications_changes_nothing(
    cohort: MatchingInput, data: st.DataObject
) -> None:
    shuffled = cohort.model_copy(
        update={
            "mentees": data.draw(st.permutations(cohort.mentees)),
            "mentors": data.draw(st.permutations(cohort.mentors)),
        }
    )
    assert match(shuffled).model_dump_json() == match(cohort).model_dump_json()


@settings(max_examples=60, deadline=None)
@given(cohorts(), st.data())
def test_the_digest_changes_with_the_input(cohort: MatchingInput, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(cohort.mentees) - 1))
    changed_mentee = cohort.mentees[k].model_copy(update={"level": cohort.mentees[k].level + 1})
    variants = [
        cohort.model_copy(
            update={"mentees": [*cohort.mentees[:k], changed_mentee, *cohort.mentees[k + 1 :]]}
        ),
        cohort.model_copy(
            update={
                "rules": cohort.rules.model_copy(
                    update={"require_shared_language": not cohort.rules.require_shared_language}
                )
            }
        ),
        cohort.model_copy(
            update={
                "weights": cohort.weights.model_copy(
                    update={"expertise": cohort.weights.expertise + 0.25}
                )
            }
        ),
        cohort.model_copy(update={"mentors": cohort.mentors[1:]})
        if len(cohort.mentors) > 1
        else None,
    ]
    digest = match(cohort).input_digest
    assert digest == cohort.digest()
    for variant in filter(None, variants):
        assert variant.digest() != digest


@given(cohorts(), st.data())
@settings(max_examples=60, deadline=None)
def test_agreeing_on_cadence_adds_exactly_its_weight(
    cohort: MatchingInput, data: st.DataObject
) -> None:
    """A mentee who comes to want their mentor's cadence scores exactly the
    cadence weight more with that mentor and the same with everyone else;
    nothing else changes."""
    canonical = cohort.canonical()
    j = data.draw(st.integers(0, len(canonical.mentors) - 1))
    wanted = data.draw(st.sampled_from(["weekly", "biweekly", "monthly"]))
    mentors = list(canonical.mentors)
    mentors[j] = mentors[j].model_copy(update={"preferred_cadence": wanted})
    before = canonical.model_copy(
        update={
            "mentors": mentors,
            "mentees": [m.model_copy(update={"preferred_cadence": ""}) for m in canonical.mentees],
        }
    )
    after = before.model_copy(
        update={
            "mentees": [m.model_copy(update={"preferred_cadence": wanted}) for m in before.mentees]
        }
    )
    old, _, _ = score_matrix(before)
    new, _, _ = score_matrix(after)
    allowed_pairs = old >= 0
    assert np.array_equal(allowed_pairs, new >= 0)
    gain = np.where(allowed_pairs, new - old, 0)
    step = round(cohort.weights.cadence * 1_000_000)
    expected = np.zeros_like(gain)
    for k, mentor in enumerate(after.mentors):
        if mentor.preferred_cadence == wanted:
            expected[:, k] = step
    assert np.array_equal(gain, np.where(allowed_pairs, expected, 0))
