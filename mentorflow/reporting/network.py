"""The network a cohort's pairs build: introductions mentors made, decisions
ahead, recurring challenges. Counts and themes always; what people wrote
only when the program lets HR read answers (``hr_reads_answers``)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.store.schema import CheckIn, CheckInResponse, Mentorship

#: A theme is shown only when this many different pairs name it, so a word
#: never points at one pair's private answer.
THEME_PAIRS = 2
THEMES_SHOWN = 12
_WORD = re.compile(r"[^\W\d_][\w'-]{2,}", re.UNICODE)
_STOP = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "have",
        "has",
        "had",
        "was",
        "were",
        "are",
        "but",
        "not",
        "you",
        "your",
        "our",
        "their",
        "they",
        "them",
        "from",
        "what",
        "when",
        "where",
        "which",
        "will",
        "would",
        "could",
        "should",
        "about",
        "into",
        "more",
        "some",
        "than",
        "then",
        "there",
        "these",
        "those",
        "very",
        "just",
        "also",
        "been",
        "being",
        "how",
        "who",
        "why",
        "can",
        "cannot",
        "did",
        "does",
        "doing",
        "done",
        "get",
        "got",
        "its",
        "it's",
        "i'm",
        "we're",
        "all",
        "any",
        "each",
        "few",
        "most",
        "other",
        "such",
        "own",
        "same",
        "too",
        "only",
        "out",
        "off",
        "over",
        "under",
        "again",
        "once",
        "here",
        "both",
        "much",
        "many",
        "lot",
        "lots",
        "need",
        "needs",
        "want",
        "wants",
        "still",
        "yet",
        "able",
        "make",
        "made",
        "new",
        "next",
        "week",
        "weeks",
        "month",
        "time",
        "times",
    ]
)


class Theme(BaseModel):
    word: str
    #: Different pairs whose answers name it.
    pairs: int


class Written(BaseModel):
    """One thing someone wrote, shown only when the program allows it."""

    mentorship_id: str
    checkin: int
    by: str
    field: str
    text: str
    submitted_at: datetime


class Network(BaseModel):
    cohort: str
    pairs: int
    answers: int
    #: Check-ins (not answers: both people naming one counts once) in which an
    #: introduction was named, as the cohort report counts them, and the pairs.
    introductions: int
    pairs_with_introductions: int
    #: Check-ins naming an upcoming decision, and the pairs.
    decisions: int
    pairs_with_decisions: int
    #: Check-ins naming a challenge or a blocker, and the pairs.
    challenges: int
    pairs_with_challenges: int
    themes: list[Theme]
    shows_text: bool
    #: Empty unless ``shows_text``.
    written: list[Written] = []


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)} - _STOP


def cohort_network(session: Session, cohort: str, shows_text: bool) -> Network:
    rows = session.execute(
        select(CheckInResponse, CheckIn.number, Mentorship.id)
        .join(CheckIn, CheckInResponse.checkin_id == CheckIn.id)
        .join(Mentorship, CheckIn.mentorship_id == Mentorship.id)
        .where(Mentorship.cohort == cohort)
        .order_by(CheckInResponse.submitted_at, CheckInResponse.id)
    ).all()
    pairs = len(session.scalars(select(Mentorship.id).where(Mentorship.cohort == cohort)).all())
    named_in: defaultdict[str, set[int]] = defaultdict(set)
    named_by: defaultdict[str, set[str]] = defaultdict(set)
    theme_pairs: defaultdict[str, set[str]] = defaultdict(set)
    written: list[Written] = []
    for answer, number, pair in rows:
        fields = {
            # Either side may name one: the mentor who made it, the mentee who met them.
            "introductions": answer.introductions,
            "decisions": answer.upcoming_decisions,
            "challenges": f"{answer.challenges}\n{answer.blockers}",
        }
        for kind, text in fields.items():
            if text.strip():
                named_in[kind].add(answer.checkin_id)
                named_by[kind].add(pair)
        for word in _words(fields["challenges"]):
            theme_pairs[word].add(pair)
        if shows_text:
            for field in ("introductions", "upcoming_decisions", "challenges", "blockers"):
                text = getattr(answer, field).strip()
                if text:
                    written.append(
                        Written(
                            mentorship_id=pair,
                            checkin=number,
                            by=answer.participant_id,
                            field=field,
                            text=text,
                            submitted_at=answer.submitted_at,
                        )
                    )
    themes = sorted(
        (Theme(word=w, pairs=len(p)) for w, p in theme_pairs.items() if len(p) >= THEME_PAIRS),
        key=lambda t: (-t.pairs, t.word),
    )[:THEMES_SHOWN]
    return Network(
        cohort=cohort,
        pairs=pairs,
        answers=len(rows),
        introductions=len(named_in["introductions"]),
        pairs_with_introductions=len(named_by["introductions"]),
        decisions=len(named_in["decisions"]),
        pairs_with_decisions=len(named_by["decisions"]),
        challenges=len(named_in["challenges"]),
        pairs_with_challenges=len(named_by["challenges"]),
        themes=themes,
        shows_text=shows_text,
        written=written,
    )
