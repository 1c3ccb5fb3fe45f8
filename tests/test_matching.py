"""The matching engine on readable examples: each hard rule, the soft criteria,
the lexicographic objective, explanations, reasons, the digest and bad input."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from scipy.optimize import linear_sum_assignment
from temporalio.contrib.pydantic import pydantic_data_converter

from mentorflow.matching import (
    HardRule,
    MatchingInput,
    MatchingResult,
    MatchingRules,
    MatchingWeights,
    MenteeProfile,
    MentorProfile,
    PreviousPair,
    UnmatchedReason,
    match,
    solver,
)
from mentorflow.matching.engine import score_matrix
from mentorflow.matching.text import TfidfSpace, tokenize

JANUARY = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def mentee(employee_id: str, **fields: Any) -> MenteeProfile:
    defaults: dict[str, Any] = {"level": 2, "languages": ["en"], "department": "Sales"}
    return MenteeProfile(employee_id=employee_id, **(defaults | fields))


def mentor(employee_id: str, **fields: Any) -> MentorProfile:
    defaults: dict[str, Any] = {
        "level": 4,
        "languages": ["en"],
        "department": "Engineering",
        "capacity": 1,
    }
    return MentorProfile(employee_id=employee_id, **(defaults | fields))


def problem(
    mentees: list[MenteeProfile], mentors: list[MentorProfile], **fields: Any
) -> MatchingInput:
    return MatchingInput(
        mentees=mentees, mentors=mentors, reference_time=fields.pop("at", JANUARY), **fields
    )


def pairs_of(result: MatchingResult) -> set[tuple[str, str]]:
    return {(p.mentee_id, p.mentor_id) for p in result.pairs}


def unmatched_of(result: MatchingResult) -> dict[str, Any]:
    return {u.mentee_id: u for u in result.unmatched_mentees}


# --------------------------------------------------------------------------- hard rules


def test_nobody_is_mentored_by_their_manager_or_anyone_above_them() -> None:
    result = match(
        problem(
            [mentee("ana", manager_chain=["boss", "skip"])],
            [mentor("boss"), mentor("skip")],
        )
    )
    assert result.pairs == []
    (reason,) = result.unmatched_mentees
    assert reason.reason is UnmatchedReason.NO_ELIGIBLE_MENTOR
    assert reason.excluded_by == {HardRule.REPORTING_LINE: 2}
    assert "2 in your reporting line" in reason.text


def test_nobody_mentors_their_own_manager() -> None:
    # The mentor reports (through someone) to the mentee: still one reporting line.
    result = match(problem([mentee("vp", level=1)], [mentor("eng", manager_chain=["lead", "vp"])]))
    assert result.pairs == []
    assert result.unmatched_mentees[0].excluded_by == {HardRule.REPORTING_LINE: 1}


def test_a_person_applying_as_both_is_never_their_own_mentor() -> None:
    result = match(problem([mentee("sam"), mentee("kim")], [mentor("sam", capacity=2)]))
    assert pairs_of(result) == {("kim", "sam")}
    assert unmatched_of(result)["sam"].excluded_by == {HardRule.SELF: 1}


def test_two_people_paired_before_are_never_proposed_again() -> None:
    before = [PreviousPair(mentee_id="kim", mentor_id="ana")]
    # Ana is Kim's best match by far, but they have been a pair before.
    result = match(
        problem(
            [mentee("kim", goals="kubernetes operators")],
            [mentor("ana", expertise="kubernetes operators"), mentor("bo", expertise="pottery")],
            excluded_pairs=before,
        )
    )
    assert pairs_of(result) == {("kim", "bo")}
    alone = match(problem([mentee("kim")], [mentor("ana")], excluded_pairs=before))
    assert unmatched_of(alone)["kim"].excluded_by == {HardRule.PAIRED_BEFORE: 1}
    assert "1 who mentored you before" in unmatched_of(alone)["kim"].text
    # In the digest too: the same applications with another history are another run.
    assert problem([mentee("kim")], [mentor("ana")], excluded_pairs=before).digest() != (
        problem([mentee("kim")], [mentor("ana")]).digest()
    )


def test_a_shared_language_is_required_unless_the_program_waives_it() -> None:
    people = ([mentee("lea", languages=["de"])], [mentor("raj", languages=["hi", "EN"])])
    refused = match(problem(*people))
    assert refused.unmatched_mentees[0].excluded_by == {HardRule.NO_SHARED_LANGUAGE: 1}
    waived = match(problem(*people, rules=MatchingRules(require_shared_language=False)))
    assert pairs_of(waived) == {("lea", "raj")}
    # Language codes compare case-insensitively.
    assert match(
        problem([mentee("lea", languages=["en"])], [mentor("raj", languages=["EN"])])
    ).pairs


def test_same_department_exclusion_is_optional() -> None:
    people = ([mentee("a", department="Data")], [mentor("b", department="Data")])
    assert match(problem(*people)).pairs
    excluded = match(problem(*people, rules=MatchingRules(exclude_same_department=True)))
    assert excluded.unmatched_mentees[0].excluded_by == {HardRule.SAME_DEPARTMENT: 1}
    assert "1 in your department" in excluded.unmatched_mentees[0].text


def test_time_zone_gap_is_measured_around_the_clock() -> None:
    # Honolulu is UTC-10 and Auckland UTC+13 in January: 23 h apart one way,
    # 1 h the other way round the clock.
    result = match(
        problem(
            [mentee("kai", timezone="Pacific/Honolulu")],
            [mentor("aroha", timezone="Pacific/Auckland")],
            rules=MatchingRules(max_timezone_gap_hours=2),
        )
    )
    assert pairs_of(result) == {("kai", "aroha")}


def test_time_zone_gap_is_read_at_the_reference_time_not_the_clock() -> None:
    # London–New York is 5 h apart, except between the two daylight-saving
    # starts in March, when it is 4 h.
    people = (
        [mentee("nyc", timezone="America/New_York")],
        [mentor("ldn", timezone="Europe/London")],
    )
    rules = MatchingRules(max_timezone_gap_hours=4)
    assert match(problem(*people, rules=rules, at=JANUARY)).pairs == []
    march = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    assert pairs_of(match(problem(*people, rules=rules, at=march))) == {("nyc", "ldn")}


# --------------------------------------------------------------------------- objective


def test_matching_more_mentees_beats_a_higher_score() -> None:
    # "ann" scores far better with "star" but can also go to "plain"; "bob" can
    # only go to "star". Highest-score-first would leave bob out.
    result = match(
        problem(
            [
                mentee("ann", goals="kubernetes python", preferred_mentor_ids=["star"]),
                mentee("bob", languages=["de"]),
            ],
            [
                mentor("star", languages=["en", "de"], expertise="kubernetes python"),
                mentor("plain", languages=["en"]),
            ],
        )
    )
    assert pairs_of(result) == {("ann", "plain"), ("bob", "star")}
    assert result.matched_count == 2


def test_capacity_is_respected_and_used() -> None:
    result = match(
        problem(
            [mentee("a"), mentee("b"), mentee("c")],
            [mentor("m", capacity=2)],
        )
    )
    assert result.matched_count == 2
    (left,) = result.unmatched_mentees
    assert left.reason is UnmatchedReason.MENTORS_AT_CAPACITY
    assert left.eligible_mentors == 1
    assert "eligible mentor is at capacity" in left.text
    assert result.mentors_with_capacity == []


def test_mentors_with_room_are_listed() -> None:
    result = match(problem([mentee("a")], [mentor("m", capacity=3), mentor("n")]))
    room = {m.mentor_id: (m.capacity, m.assigned) for m in result.mentors_with_capacity}
    assert sorted(room) == ["m", "n"]
    assert sum(assigned for _, assigned in room.values()) == 1


def test_a_ranked_preference_wins_between_otherwise_equal_mentors() -> None:
    mentors = [mentor("first"), mentor("second"), mentor("third")]
    result = match(problem([mentee("ana", preferred_mentor_ids=["second", "third"])], mentors))
    assert pairs_of(result) == {("ana", "second")}
    preference = result.pairs[0].explanation[3]
    assert preference.raw == 1.0 and preference.contribution == 2.0
    assert preference.text == "The mentee ranked this mentor #1 of 2."


def test_expertise_that_matches_the_goals_wins() -> None:
    result = match(
        problem(
            [mentee("ana", goals="Get better at negotiation and enterprise sales")],
            [
                mentor("dev", expertise="Kubernetes, Go and distributed systems"),
                mentor("ae", expertise="Enterprise sales, negotiation, closing deals"),
            ],
        )
    )
    assert pairs_of(result) == {("ana", "ae")}
    expertise = result.pairs[0].explanation[0]
    assert expertise.criterion == "expertise" and expertise.raw is not None
    assert 0.5 < expertise.raw <= 1
    assert "negotiation" in expertise.text and "enterprise" in expertise.text


@pytest.mark.parametrize(
    ("gap", "value"), [(-1, 0.0), (0, 0.0), (1, 1.0), (3, 1.0), (4, 0.5), (5, 0.25), (9, 0.1)]
)
def test_seniority_curve(gap: int, value: float) -> None:
    result = match(problem([mentee("m", level=3)], [mentor("t", level=3 + gap)]))
    seniority = result.pairs[0].explanation[1]
    assert (seniority.raw, seniority.value, seniority.contribution) == (gap, value, value)


def test_explanation_adds_up_to_the_score_and_reads_well() -> None:
    result = match(
        problem(
            [
                mentee(
                    "ana",
                    department="Sales",
                    goals="public speaking",
                    level=2,
                    preferred_cadence="Biweekly",
                )
            ],
            [
                mentor(
                    "bo",
                    department="Legal",
                    expertise="public speaking coach",
                    level=4,
                    preferred_cadence="biweekly",
                )
            ],
            weights=MatchingWeights(
                expertise=1.5, seniority=0.7, cross_department=0.3, cadence=0.4
            ),
        )
    )
    (pair,) = result.pairs
    micro = [round(c.contribution * 1_000_000) for c in pair.explanation]
    assert sum(micro) == round(pair.score * 1_000_000)
    assert [c.criterion for c in pair.explanation] == [
        "expertise",
        "seniority",
        "cross_department",
        "preference",
        "cadence",
    ]
    texts = [c.text for c in pair.explanation]
    assert texts[1] == "The mentor is 2 levels above the mentee: the best range (1–3)."
    assert texts[2] == "Different departments (Sales → Legal): widens the mentee's network."
    assert texts[3] == "The mentee ranked no mentors."
    assert texts[4] == "Both would like to meet biweekly."
    assert (pair.explanation[4].value, pair.explanation[4].contribution) == (1.0, 0.4)
    assert result.total_score == pair.score


def test_the_same_preferred_cadence_tips_the_balance_and_says_so() -> None:
    """Two mentors alike but for how often they would like to meet: the one who
    wants the mentee's rhythm is chosen; blanks never count as agreeing."""
    result = match(
        problem(
            [mentee("ana", preferred_cadence="monthly"), mentee("cy")],
            [
                mentor("bo", preferred_cadence="weekly"),
                mentor("di", preferred_cadence="monthly"),
            ],
        )
    )
    pairs = {p.mentee_id: p for p in result.pairs}
    assert pairs["ana"].mentor_id == "di"
    cadence = {c.criterion: c for c in pairs["ana"].explanation}["cadence"]
    assert cadence.contribution == MatchingWeights().cadence == 0.5
    assert cadence.text == "Both would like to meet monthly."
    other = {c.criterion: c for c in pairs["cy"].explanation}["cadence"]
    assert other.contribution == 0
    assert other.text == "No shared preferred cadence: one of them did not say how often to meet."
    lone = match(problem([mentee("ed")], [mentor("fi")]))
    assert {c.criterion: c for c in lone.pairs[0].explanation}["cadence"].value == 0
    apart = match(
        problem(
            [mentee("ana", preferred_cadence="weekly")], [mentor("bo", preferred_cadence="monthly")]
        )
    )
    text = {c.criterion: c for c in apart.pairs[0].explanation}["cadence"].text
    assert text == "The mentee would like to meet weekly, the mentor monthly."


def test_no_mentors_at_all_is_a_reason_too() -> None:
    result = match(problem([mentee("a")], []))
    assert result.unmatched_mentees[0].reason is UnmatchedReason.NO_MENTORS


def test_engine_equals_a_dense_optimum_on_a_larger_cohort(monkeypatch: pytest.MonkeyPatch) -> None:
    """120 mentees, 40 mentors, tight time zones: the short lists miss pairs, so
    the certificate must add them; the answer is still the dense optimum."""
    rng = np.random.default_rng(7)
    zones = ["America/Los_Angeles", "America/New_York", "Europe/Berlin", "Asia/Kolkata"]
    skills = ["python", "sql", "sales", "negotiation", "design", "research", "kubernetes"]
    mentees = [
        mentee(
            f"e{i}",
            level=int(rng.integers(1, 5)),
            department=str(rng.choice(["A", "B", "C"])),
            timezone=str(rng.choice(zones)),
            goals=" ".join(rng.choice(skills, 2)),
            preferred_mentor_ids=[
                f"m{k}" for k in rng.choice(40, int(rng.integers(0, 3)), replace=False)
            ],
        )
        for i in range(120)
    ]
    mentors = [
        mentor(
            f"m{j}",
            level=int(rng.integers(2, 8)),
            department=str(rng.choice(["A", "B", "C"])),
            timezone=str(rng.choice(zones)),
            capacity=int(rng.integers(1, 4)),
            expertise=" ".join(rng.choice(skills, 3)),
        )
        for j in range(40)
    ]
    cohort = problem(mentees, mentors, rules=MatchingRules(max_timezone_gap_hours=3))
    score, capacity, max_score = score_matrix(cohort)

    big = solver.lexicographic_weight(*score.shape, max_score)
    owner = np.repeat(np.arange(capacity.size), capacity)
    worth = np.where(score >= 0, score + big, 0).astype(float)[:, owner]
    rows, places = linear_sum_assignment(worth, maximize=True)
    real = worth[rows, places] > 0
    best_count = int(real.sum())
    best_total = int(score[rows[real], owner[places[real]]].sum())

    default = match(cohort)
    monkeypatch.setattr(solver, "MENTEE_SHORTLIST", 1)
    monkeypatch.setattr(solver, "MENTOR_SHORTLIST", 0)
    monkeypatch.setattr(solver, "MENTEE_ADDITIONS", 1)
    monkeypatch.setattr(solver, "MENTOR_ADDITIONS", 0)
    rounds: list[int] = []
    solve = solver._solve
    monkeypatch.setattr(solver, "_solve", lambda *a: rounds.append(1) or solve(*a))
    starved = match(cohort)

    assert len(rounds) > 1, "the tiny short lists should have needed more rounds"
    for result in (default, starved):
        assert result.matched_count == best_count
        assert round(result.total_score * 1_000_000) == best_total


# --------------------------------------------------------------------------- text


def test_tokens_keep_programming_languages_and_drop_filler() -> None:
    assert tokenize("I want to learn C++, C# and Node.js") == ["learn", "c++", "c#", "node", "js"]


def test_tfidf_similarity_is_one_for_the_same_text_and_zero_for_nothing_shared() -> None:
    space = TfidfSpace(["python data", "python data", "sales"])
    vectors = space.vectors(0, 3)
    similarity = (vectors @ vectors.T).toarray()
    assert similarity[0, 1] == pytest.approx(1.0)
    assert similarity[0, 2] == 0.0
    assert space.shared_terms(0, 1) == ["data", "python"]


def test_a_rare_skill_counts_more_than_a_common_one() -> None:
    space = TfidfSpace(["leadership kubernetes", "leadership", "kubernetes", "leadership x"])
    vectors = space.vectors(0, 4)
    similarity = (vectors @ vectors.T).toarray()
    assert similarity[0, 2] > similarity[0, 1]


# --------------------------------------------------------------------------- audit


def test_digest_identifies_the_problem_not_the_order_it_came_in() -> None:
    people = [mentee("a"), mentee("b")], [mentor("x"), mentor("y")]
    first = problem(*people)
    reordered = problem(people[0][::-1], people[1][::-1])
    assert first.digest() == reordered.digest() == match(first).input_digest
    assert match(first).model_dump_json() == match(reordered).model_dump_json()
    changed = problem([mentee("a"), mentee("b", level=3)], people[1])
    assert changed.digest() != first.digest()
    assert problem(*people, at=datetime(2027, 6, 1, tzinfo=UTC)).digest() != first.digest()


def test_input_and_result_cross_the_temporal_boundary_unchanged() -> None:
    cohort = problem(
        [mentee("a", goals="sql", preferred_mentor_ids=["x"])], [mentor("x", expertise="sql")]
    )
    result = match(cohort)
    converter = pydantic_data_converter.payload_converter
    for value in (cohort, result):
        (payload,) = converter.to_payloads([value])
        (back,) = converter.from_payloads([payload], [type(value)])
        assert back == value


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("build", "where"),
    [
        (lambda: problem([mentee("a"), mentee("a")], []), "mentees[1].employee_id"),
        (lambda: problem([], [mentor("x"), mentor("x")]), "mentors[1].employee_id"),
        (lambda: mentee("a", timezone="Mars/Olympus"), "timezone"),
        (lambda: mentee("a", preferred_mentor_ids=["x", "x"]), "preferred_mentor_ids"),
        (lambda: mentee("a", languages=["en", " "]), "languages"),
        (lambda: mentee(" a"), "employee_id"),
        (lambda: mentor("x", capacity=0), "capacity"),
        (lambda: MatchingWeights(expertise=-1), "expertise"),
        (lambda: MatchingWeights(preference=float("nan")), "preference"),
        (lambda: MatchingWeights(seniority=11), "seniority"),
        (lambda: MatchingRules(max_timezone_gap_hours=-2), "max_timezone_gap_hours"),
        (lambda: problem([], [], at=datetime(2027, 1, 1)), "reference_time"),
        (lambda: MenteeProfile(employee_id="a", level=1, favourite_colour="red"), "favourite"),
    ],
)
def test_bad_input_names_the_field(build: Any, where: str) -> None:
    with pytest.raises(ValidationError) as error:
        build()
    assert where in str(error.value)
