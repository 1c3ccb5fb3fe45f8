"""What goes into a matching run and what comes out of it.

These models cross the Temporal boundary as activity arguments and are stored
with each run, so they hold plain JSON-friendly data: ids, numbers, strings and
an aware UTC ``reference_time``. Nothing here reads the clock: time-zone
offsets are taken at ``reference_time`` so that a stored run reproduces the
same result on any day.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Bumped whenever a change to scoring or solving could change a result, so a
#: stored run says which engine produced it.
ENGINE_VERSION = "mentorflow.matching/2"  # 2: the preferred-cadence criterion

#: Scores are kept in integer micro-points (1e-6) so that the solver's
#: arithmetic is exact and explanations add up to the score to the last digit.
MICRO = 1_000_000

#: Ceiling on each weight. Weights are relative importances (only their ratios
#: matter, so 0–10 says everything), and the ceiling keeps scores within int32
#: and the solver's costs exact integers in float64 (see solver.py).
MAX_WEIGHT = 10.0


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- people


class PersonProfile(_Strict):
    """The directory facts about one applicant that the hard rules and the
    seniority and department criteria need."""

    employee_id: str = Field(min_length=1, max_length=64)
    department: str = ""
    #: Manager, manager's manager, … up the reporting line.
    manager_chain: list[str] = []
    #: Seniority rank: higher is more senior.
    level: int
    #: IANA name, e.g. ``Europe/Berlin``.
    timezone: str = "UTC"
    #: Language codes or names; compared case-insensitively.
    languages: list[str] = []
    #: How often they would like to meet (weekly, biweekly, monthly); empty
    #: when they did not say.
    preferred_cadence: str = Field(default="", max_length=32)

    @field_validator("employee_id")
    @classmethod
    def _id_is_trimmed(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("must not start or end with spaces")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("preferred_cadence")
    @classmethod
    def _canonical_cadence(cls, value: str) -> str:
        return value.strip().casefold()

    @field_validator("languages")
    @classmethod
    def _canonical_languages(cls, value: list[str]) -> list[str]:
        # "EN", "en " and "en" are one language; the order carries no meaning,
        # so the canonical form is sorted and the digest ignores how it came.
        cleaned = sorted({language.strip().casefold() for language in value})
        if "" in cleaned:
            raise ValueError("a language must not be empty")
        return cleaned


class MenteeProfile(PersonProfile):
    goals: str = ""
    interests: str = ""
    #: Mentor employee ids, most wanted first.
    preferred_mentor_ids: list[str] = []

    @field_validator("preferred_mentor_ids")
    @classmethod
    def _ranked_once(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for rank, mentor_id in enumerate(value, start=1):
            if mentor_id in seen:
                raise ValueError(f"{mentor_id!r} is ranked twice (again at rank {rank})")
            seen.add(mentor_id)
        return value


class MentorProfile(PersonProfile):
    #: How many mentees this mentor takes in the cohort.
    capacity: int = Field(ge=1, le=50)
    expertise: str = ""


# --------------------------------------------------------------------------- program


class MatchingRules(_Strict):
    """Hard rules: a pair that breaks one is never proposed. The reporting-line
    rule (nobody is mentored by their manager or anyone above or below them in
    the same line) and "nobody mentors themselves" are always on."""

    exclude_same_department: bool = False
    #: Largest distance between the two UTC offsets, measured around the clock
    #: (so at most 12 h); ``None`` = no limit.
    max_timezone_gap_hours: float | None = Field(default=None, ge=0, le=14)
    require_shared_language: bool = True


class MatchingWeights(_Strict):
    """Soft criteria. Each criterion scores a pair from 0 to 1 and contributes
    ``weight × value`` to the pair's score; see criteria.py for the curves."""

    expertise: float = Field(default=3.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    seniority: float = Field(default=1.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    cross_department: float = Field(default=0.5, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    preference: float = Field(default=2.0, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)
    #: Modest: meeting at the rhythm both asked for helps, but it is no reason
    #: to pass over the right expertise.
    cadence: float = Field(default=0.5, ge=0, le=MAX_WEIGHT, allow_inf_nan=False)


class PreviousPair(_Strict):
    """Two people who have been paired before (in any cohort or round)."""

    mentee_id: str
    mentor_id: str


class MatchingInput(_Strict):
    mentees: list[MenteeProfile]
    mentors: list[MentorProfile]
    rules: MatchingRules = MatchingRules()
    weights: MatchingWeights = MatchingWeights()
    #: Pairs that must not be proposed again: a person is never offered the
    #: same partner twice (a hard rule, like the reporting line).
    excluded_pairs: list[PreviousPair] = []
    #: The instant at which UTC offsets are read (daylight saving differs over
    #: the year); pass the cohort's start, never "now".
    reference_time: datetime

    @field_validator("reference_time")
    @classmethod
    def _aware_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("must carry a time zone (e.g. 2027-01-04T09:00:00Z)")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _unique_people(self) -> MatchingInput:
        for role, people in (("mentees", self.mentees), ("mentors", self.mentors)):
            first_seen: dict[str, int] = {}
            for index, person in enumerate(people):
                if person.employee_id in first_seen:
                    raise ValueError(
                        f"{role}[{index}].employee_id: {person.employee_id!r} appears twice "
                        f"(first at {role}[{first_seen[person.employee_id]}])"
                    )
                first_seen[person.employee_id] = index
        return self

    def canonical(self) -> MatchingInput:
        """The same problem with people in employee-id order: the engine solves
        this form, so the order in which applications arrived changes nothing."""
        return self.model_copy(
            update={
                "mentees": sorted(self.mentees, key=lambda p: p.employee_id),
                "mentors": sorted(self.mentors, key=lambda p: p.employee_id),
                "excluded_pairs": [
                    PreviousPair(mentee_id=mentee, mentor_id=mentor)
                    for mentee, mentor in sorted(
                        {(p.mentee_id, p.mentor_id) for p in self.excluded_pairs}
                    )
                ],
            }
        )

    def digest(self) -> str:
        """sha256 of the canonical JSON, so a stored run can be matched to its input."""
        document = self.canonical().model_dump(mode="json")
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- result


class Criterion(StrEnum):
    EXPERTISE = "expertise"
    SENIORITY = "seniority"
    CROSS_DEPARTMENT = "cross_department"
    PREFERENCE = "preference"
    CADENCE = "cadence"


class CriterionScore(_Strict):
    criterion: Criterion
    #: The measured fact: cosine similarity, level gap, 1/0 for different
    #: departments, the preference rank (``None`` when not ranked), 1/0 for
    #: the same preferred cadence.
    raw: float | None
    #: The criterion's 0–1 value after its curve.
    value: float
    weight: float
    #: ``weight × value`` rounded to micro-points; the contributions of a pair
    #: add up to its score.
    contribution: float
    text: str
    #: The words the expertise criterion found on both sides (the mentor's
    #: expertise, the mentee's goals and interests); empty for the others.
    terms: list[str] = []


class MatchedPair(_Strict):
    mentor_id: str
    mentee_id: str
    score: float
    explanation: list[CriterionScore]


class HardRule(StrEnum):
    SELF = "self"
    REPORTING_LINE = "reporting_line"
    SAME_DEPARTMENT = "same_department"
    TIMEZONE_GAP = "timezone_gap"
    NO_SHARED_LANGUAGE = "no_shared_language"
    PAIRED_BEFORE = "paired_before"


class UnmatchedReason(StrEnum):
    NO_MENTORS = "no_mentors"
    NO_ELIGIBLE_MENTOR = "no_eligible_mentor"
    MENTORS_AT_CAPACITY = "mentors_at_capacity"


class UnmatchedMentee(_Strict):
    mentee_id: str
    reason: UnmatchedReason
    text: str
    eligible_mentors: int
    #: How many mentors each hard rule ruled out (a mentor can fail several).
    excluded_by: dict[HardRule, int]


class MentorWithCapacity(_Strict):
    mentor_id: str
    capacity: int
    assigned: int


class MatchingResult(_Strict):
    engine_version: str
    input_digest: str
    pairs: list[MatchedPair]
    unmatched_mentees: list[UnmatchedMentee]
    #: Mentors left with room for more mentees.
    mentors_with_capacity: list[MentorWithCapacity]
    matched_count: int
    total_score: float
