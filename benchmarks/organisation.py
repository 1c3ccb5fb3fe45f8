"""A realistic synthetic organisation and its mentoring applications, generated
deterministically from a seed (same seed, same people, on any machine).

The shape: departments of very different sizes; a level pyramid (many juniors,
few executives); a reporting tree inside each department up to a CEO; about
twenty time zones weighted by where staff sit; one to three languages each
(mostly English, often the local language too); expertise, goals and interests
written from a vocabulary of skills in which each department has its own
specialities and everyone shares general ones; ranked mentor preferences for a
quarter of the mentees; a few people applying as both mentee and mentor.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from mentorflow.matching import (
    MatchingInput,
    MatchingRules,
    MatchingWeights,
    MenteeProfile,
    MentorProfile,
)

DEPARTMENTS: dict[str, tuple[float, list[str]]] = {
    "Engineering": (0.30, ["python", "kubernetes", "distributed systems", "code review",
                           "system design", "testing", "rust", "golang", "observability",
                           "incident response", "api design", "performance tuning"]),
    "Data": (0.08, ["sql", "machine learning", "statistics", "data pipelines",
                    "experimentation", "python", "data visualisation", "forecasting"]),
    "Product": (0.07, ["product strategy", "roadmapping", "user research", "prioritisation",
                       "product analytics", "stakeholder management", "pricing"]),
    "Design": (0.04, ["ux research", "interaction design", "design systems", "accessibility",
                      "prototyping", "user research"]),
    "Sales": (0.14, ["negotiation", "enterprise sales", "account planning", "forecasting",
                     "pipeline management", "pricing", "closing deals"]),
    "Marketing": (0.07, ["brand strategy", "content marketing", "seo", "campaign planning",
                         "market research", "product marketing"]),
    "Customer Success": (0.10, ["customer onboarding", "renewals", "escalation handling",
                                "customer advocacy", "account planning"]),
    "Finance": (0.05, ["financial planning", "budgeting", "forecasting", "accounting",
                       "investor relations", "pricing"]),
    "People": (0.04, ["recruiting", "performance reviews", "employee relations",
                      "compensation", "coaching", "learning and development"]),
    "Legal": (0.02, ["contract law", "compliance", "privacy", "intellectual property"]),
    "Operations": (0.06, ["process improvement", "vendor management", "supply chain",
                          "project management", "budgeting"]),
    "Security": (0.03, ["threat modelling", "security engineering", "compliance",
                        "incident response", "cloud security"]),
}  # fmt: skip

GENERAL_SKILLS = [
    "public speaking", "leadership", "people management", "career growth", "technical writing",
    "time management", "conflict resolution", "presenting to executives", "hiring",
    "mentoring", "work life balance", "cross team collaboration", "giving feedback",
    "strategic thinking", "change management", "remote collaboration", "influencing",
]  # fmt: skip

#: (IANA zone, share of staff, local language besides English)
TIME_ZONES: list[tuple[str, float, str]] = [
    ("America/Los_Angeles", 0.12, "es"), ("America/Denver", 0.03, "es"),
    ("America/Chicago", 0.06, "es"), ("America/New_York", 0.14, "es"),
    ("America/Toronto", 0.03, "fr"), ("America/Mexico_City", 0.02, "es"),
    ("America/Sao_Paulo", 0.04, "pt"), ("Europe/London", 0.09, "en"),
    ("Europe/Dublin", 0.02, "ga"), ("Europe/Paris", 0.04, "fr"),
    ("Europe/Berlin", 0.07, "de"), ("Europe/Madrid", 0.02, "es"),
    ("Europe/Warsaw", 0.03, "pl"), ("Africa/Lagos", 0.01, "yo"),
    ("Asia/Dubai", 0.01, "ar"), ("Asia/Kolkata", 0.10, "hi"),
    ("Asia/Singapore", 0.04, "zh"), ("Asia/Tokyo", 0.03, "ja"),
    ("Australia/Sydney", 0.03, "en"), ("Pacific/Auckland", 0.01, "en"),
]  # fmt: skip
OTHER_LANGUAGES = ["es", "fr", "de", "zh", "hi", "pt", "ja", "it", "nl", "ru"]

#: Share of staff at each level 1 (junior) … 8 (executive).
LEVEL_PYRAMID = [0.22, 0.24, 0.20, 0.15, 0.10, 0.06, 0.025, 0.005]

#: The program the benchmark matches for: people may share a department but
#: get a bonus when they do not; calls need at most a 6-hour time difference
#: (New York–London works, New York–Berlin just does, San Francisco–Berlin not).
RULES = MatchingRules(
    exclude_same_department=False, max_timezone_gap_hours=6, require_shared_language=True
)
WEIGHTS = MatchingWeights(expertise=3.0, seniority=1.0, cross_department=0.5, preference=2.0)
REFERENCE_TIME = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _normalised(weights: list[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


def _phrase(skills: list[str]) -> str:
    return skills[0] if len(skills) == 1 else ", ".join(skills[:-1]) + " and " + skills[-1]


class Organisation:
    """Employees of a company ``size`` strong, with their reporting tree."""

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.rng = rng
        names = list(DEPARTMENTS)
        self.ids = [f"E{n:06d}" for n in range(size)]
        self.department = rng.choice(
            len(names), size, p=_normalised([s for s, _ in DEPARTMENTS.values()])
        )
        self.department_name = names
        self.level = rng.choice(np.arange(1, 9), size, p=_normalised(LEVEL_PYRAMID))
        self.level[0] = 8  # the CEO
        zones = rng.choice(len(TIME_ZONES), size, p=_normalised([w for _, w, _ in TIME_ZONES]))
        self.zone = zones
        self.manager = self._reporting_tree()

    def _reporting_tree(self) -> np.ndarray:
        """Everyone but the CEO reports to someone more senior in their
        department, usually one or two levels up; department heads report to
        the CEO. A tree by construction (managers are strictly more senior)."""
        manager = np.full(len(self.ids), -1)
        for d in range(len(self.department_name)):
            members = np.flatnonzero(self.department == d)
            members = members[members != 0]
            for level in range(7, 0, -1):
                here = members[self.level[members] == level]
                above = members[(self.level[members] > level) & (self.level[members] <= level + 2)]
                if above.size == 0:
                    above = members[self.level[members] > level]
                manager[here] = self.rng.choice(above, here.size) if above.size else 0
            top = members[self.level[members] == 8]
            manager[top] = 0
        return manager

    def chain(self, person: int) -> list[str]:
        chain: list[str] = []
        boss = int(self.manager[person])
        while boss >= 0:
            chain.append(self.ids[boss])
            boss = int(self.manager[boss])
        return chain

    def languages(self, person: int) -> list[str]:
        local = TIME_ZONES[int(self.zone[person])][2]
        spoken = {"en"} if self.rng.random() < 0.93 else set()
        if local != "en" and self.rng.random() < 0.55:
            spoken.add(local)
        while len(spoken) < 3 and (not spoken or self.rng.random() < 0.15):
            spoken.add(str(self.rng.choice(OTHER_LANGUAGES)))
        return sorted(spoken)

    def skills(self, person: int, count: int, own: float, other: float) -> list[str]:
        """``count`` distinct skills: from the person's department with
        probability ``own``, another department's with ``other``, else general."""
        pools = list(DEPARTMENTS.values())
        chosen: list[str] = []
        while len(chosen) < count:
            roll = self.rng.random()
            if roll < own:
                pool = pools[int(self.department[person])][1]
            elif roll < own + other:
                pool = pools[int(self.rng.integers(len(pools)))][1]
            else:
                pool = GENERAL_SKILLS
            skill = str(self.rng.choice(pool))
            if skill not in chosen:
                chosen.append(skill)
        return chosen

    def profile(self, person: int) -> dict[str, object]:
        return {
            "employee_id": self.ids[person],
            "department": self.department_name[int(self.department[person])],
            "manager_chain": self.chain(person),
            "level": int(self.level[person]),
            "timezone": TIME_ZONES[int(self.zone[person])][0],
            "languages": self.languages(person),
        }


def generate(mentees: int, mentors: int, seed: int) -> MatchingInput:
    """A cohort of ``mentees`` and ``mentors`` (capacity 1–3) drawn from an
    organisation about twice as large as the cohort."""
    rng = np.random.default_rng(seed)
    org = Organisation(2 * (mentees + mentors) + 1, rng)
    people = np.arange(1, len(org.ids))
    # Juniors apply to be mentored, seniors to mentor.
    mentee_pull = _normalised([0.0, 0.30, 0.30, 0.22, 0.12, 0.05, 0.01, 0.0, 0.0])
    mentor_pull = _normalised([0.0, 0.0, 0.01, 0.10, 0.25, 0.30, 0.25, 0.08, 0.01])
    mentee_people = rng.choice(
        people, mentees, replace=False, p=_normalised(mentee_pull[org.level[people]])
    )
    others = np.setdiff1d(people, mentee_people)
    mentor_people = rng.choice(
        others, mentors, replace=False, p=_normalised(mentor_pull[org.level[others]])
    )
    # A few mentees mentor too (someone can apply as both).
    both = rng.choice(mentee_people, max(1, mentors // 50), replace=False)
    mentor_people[: both.size] = both

    mentor_profiles = []
    for person in mentor_people:
        expertise = org.skills(person, int(rng.integers(3, 7)), own=0.65, other=0.05)
        mentor_profiles.append(
            MentorProfile(
                **org.profile(person),
                capacity=int(rng.integers(1, 4)),
                expertise=f"Experienced in {_phrase(expertise)}.",
            )
        )
    mentor_ids = [m.employee_id for m in mentor_profiles]
    mentee_profiles = []
    for person in mentee_people:
        goals = org.skills(person, int(rng.integers(1, 4)), own=0.45, other=0.25)
        interests = org.skills(person, int(rng.integers(1, 3)), own=0.2, other=0.3)
        ranked = int(rng.integers(1, 4)) if rng.random() < 0.25 else 0
        mentee_profiles.append(
            MenteeProfile(
                **org.profile(person),
                goals=f"I want to get better at {_phrase(goals)}.",
                interests=f"Interested in {_phrase(interests)}.",
                preferred_mentor_ids=[
                    str(m) for m in rng.choice(mentor_ids, ranked, replace=False)
                ],
            )
        )
    return MatchingInput(
        mentees=mentee_profiles,
        mentors=mentor_profiles,
        rules=RULES,
        weights=WEIGHTS,
        reference_time=REFERENCE_TIME,
    )
