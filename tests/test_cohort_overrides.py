"""HR's forced pairs against the program's hard rules: a pair that breaks one
is refused, naming every broken rule and how to force it anyway; with a reason
it goes through and capacities still hold."""

from __future__ import annotations

import pytest

from mentorflow.cohorts.models import Overrides, PairRef, RuleOverride
from mentorflow.cohorts.plan import OverrideError, check_hard_rules, final_pairs
from mentorflow.matching import MatchingRules, match
from tests.test_matching import mentee, mentor, problem


def forcing(mentor_id: str, mentee_id: str, reason: str | None = None, **more: object) -> Overrides:
    rule_overrides = (
        [RuleOverride(mentor_id=mentor_id, mentee_id=mentee_id, reason=reason)] if reason else []
    )
    return Overrides(
        force=[PairRef(mentor_id=mentor_id, mentee_id=mentee_id)],
        rule_overrides=rule_overrides,
        **more,  # type: ignore[arg-type]
    )


BOSS_WITHOUT_LANGUAGE = problem(
    [mentee("T1", manager_chain=["B1"], languages=["fr"], timezone="Europe/Paris")],
    [
        mentor("B1", languages=["de"], timezone="America/Los_Angeles"),
        mentor("OK", languages=["fr"], timezone="Europe/Paris"),
    ],
    rules=MatchingRules(require_shared_language=True, max_timezone_gap_hours=3),
)


def test_every_broken_rule_is_named_with_the_way_to_force_it() -> None:
    with pytest.raises(OverrideError) as refused:
        check_hard_rules(BOSS_WITHOUT_LANGUAGE, forcing("B1", "T1"))
    assert str(refused.value) == (
        "B1:T1 breaks reporting_line: B1 is in T1's management chain; "
        "breaks timezone_gap: their time zones are 9 h apart, more than the program's 3 h; "
        "breaks no_shared_language: they share no language (mentor: de; mentee: fr); "
        'pass --override-rule "B1:T1=reason" to force it anyway'
    )


def test_a_reason_lets_the_pair_through_and_a_rule_abiding_pair_needs_none() -> None:
    check_hard_rules(BOSS_WITHOUT_LANGUAGE, forcing("B1", "T1", "Interim: T1 changes teams"))
    check_hard_rules(BOSS_WITHOUT_LANGUAGE, forcing("OK", "T1"))


def test_a_report_mentoring_their_manager_is_named_too() -> None:
    upward = problem(
        [mentee("B1", level=5)], [mentor("T1", manager_chain=["B1"])], rules=MatchingRules()
    )
    with pytest.raises(OverrideError, match="T1:B1 breaks reporting_line: B1 is in T1's"):
        check_hard_rules(upward, forcing("T1", "B1"))


def test_capacity_still_holds_for_an_overridden_pair() -> None:
    crowded = problem(
        [mentee("T1", manager_chain=["B1"]), mentee("T2")],
        [mentor("B1", capacity=1)],
        rules=MatchingRules(),
    )
    result = match(crowded)
    assert [(p.mentor_id, p.mentee_id) for p in result.pairs] == [("B1", "T2")]
    overrides = forcing("B1", "T1", "Agreed with both")
    check_hard_rules(crowded, overrides)
    with pytest.raises(OverrideError, match="B1 would have 2 mentees but offered room for 1"):
        final_pairs(crowded, result, overrides)


def test_a_rule_override_without_the_forced_pair_is_a_problem() -> None:
    stray = Overrides(rule_overrides=[RuleOverride(mentor_id="B1", mentee_id="T1", reason="x")])
    assert stray.problems() == [
        "B1:T1 has a rule override but is not forced (force it too: --force B1:T1)"
    ]
    with pytest.raises(ValueError, match="say why"):
        RuleOverride(mentor_id="B1", mentee_id="T1", reason="   ")
