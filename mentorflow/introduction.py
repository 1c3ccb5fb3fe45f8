"""What a pair learns about each other at the introduction, and why the engine
paired them, in plain words built from the matching explanation.

The explanation's criteria (expertise, seniority, departments, the mentee's
ranking) become one sentence addressed to both people; shared languages come
from what both applied with. A pair HR forced has no explanation: it says so,
and still names what the two have in common.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mentorflow.matching import CriterionScore
from mentorflow.matching.model import Criterion
from mentorflow.models import Introduction, PartnerFacts

_ORDINALS = {1: "first", 2: "second", 3: "third"}


def shared_languages(mentor: Sequence[str], mentee: Sequence[str]) -> list[str]:
    """Languages both speak, as the mentor wrote them, compared without case."""
    theirs = {language.casefold() for language in mentee}
    return [language for language in mentor if language.casefold() in theirs]


def _as_written(term: str, *texts: str) -> str:
    """A matching term (folded to lower case) as a person wrote it."""
    for text in texts:
        found = re.search(rf"\b{re.escape(term)}\b", text, flags=re.IGNORECASE)
        if found:
            return found.group(0)
    return term


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def why_paired(
    *,
    mentor_name: str,
    mentee_name: str,
    mentor: PartnerFacts,
    mentee: PartnerFacts,
    explanation: Sequence[CriterionScore] | None,
) -> str:
    """One sentence for both: "You were paired because …"."""
    ana, ben = mentor_name.split()[0], mentee_name.split()[0]
    reasons: list[str] = []
    by = {score.criterion: score for score in explanation or ()}
    expertise = by.get(Criterion.EXPERTISE)
    if expertise is not None and expertise.terms:
        words = [
            _as_written(t, mentor.expertise, mentee.goals, mentee.interests)
            for t in expertise.terms
        ]
        reasons.append(f"{ana}'s expertise in {_and(words)} matches {ben}'s goals")
    elif expertise is not None and expertise.value > 0:
        reasons.append(f"{ana}'s expertise fits {ben}'s goals")
    preference = by.get(Criterion.PREFERENCE)
    if preference is not None and preference.raw:
        rank = int(preference.raw)
        choice = _ORDINALS.get(rank, f"number {rank}")
        reasons.append(f"{ben} asked for {ana} as their {choice} choice")
    seniority = by.get(Criterion.SENIORITY)
    if seniority is not None and seniority.value > 0 and seniority.raw:
        gap = int(seniority.raw)
        reasons.append(
            f"{ana} is {'one level' if gap == 1 else f'{gap} levels'} further along, "
            f"close to the steps {ben} is taking next"
        )
    languages = shared_languages(mentor.languages, mentee.languages)
    if languages:
        reasons.append(f"you both speak {_and(languages)}")
    departments = {mentor.department.casefold(), mentee.department.casefold()}
    if mentor.department and mentee.department and len(departments) == 2:
        reasons.append("you are in different departments, which widens your networks")
    if explanation is None:
        lead = "The program team paired you"
        return f"{lead}; {_and(reasons)}." if reasons else f"{lead}."
    if not reasons:
        return "You were paired as the best fit the program could find for both of you."
    return f"You were paired because {_and(reasons)}."


def introduction(
    *,
    mentor_name: str,
    mentee_name: str,
    mentor: PartnerFacts,
    mentee: PartnerFacts,
    explanation: Sequence[CriterionScore] | None,
) -> Introduction:
    return Introduction(
        mentor=mentor,
        mentee=mentee,
        why=why_paired(
            mentor_name=mentor_name,
            mentee_name=mentee_name,
            mentor=mentor,
            mentee=mentee,
            explanation=explanation,
        ),
    )
