"""What one HR digest says: its notices grouped by kind, each group with its
count and its pairs (who, which cohort, why), in the order things happened."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from mentorflow.notices.models import NoticeKind
from mentorflow.store.schema import HrNotice, Person


def _person(person: Person | None, employee_id: str | None) -> dict[str, str]:
    if person is None:
        # Erased or never in the directory: the id is all that is left.
        return {"employee_id": employee_id or "", "name": employee_id or "someone", "email": ""}
    return {"employee_id": person.employee_id, "name": person.name, "email": person.email}


def pair_of(notice: HrNotice) -> dict[str, Any]:
    mentorship = notice.mentorship
    return {
        "mentor": _person(mentorship.mentor if mentorship else None, notice.mentor_id),
        "mentee": _person(mentorship.mentee if mentorship else None, notice.mentee_id),
        "cohort": notice.cohort,
        "reason": str((notice.detail or {}).get("reason", "")),
        "happened_at": notice.happened_at.isoformat(),
        "mentorship_id": notice.mentorship_id or "",
    }


def digest_context(program_name: str, day: date, notices: Iterable[HrNotice]) -> dict[str, Any]:
    """The ``hr_digest`` template's own context."""
    groups: dict[NoticeKind, list[dict[str, Any]]] = {}
    for notice in notices:
        groups.setdefault(NoticeKind(notice.kind), []).append(pair_of(notice))
    ordered = [kind for kind in NoticeKind if kind in groups]
    return {
        "program_name": program_name,
        "role": "hr",
        "day": day.isoformat(),
        "total": sum(len(pairs) for pairs in groups.values()),
        "groups": [
            {
                "kind": kind.value,
                "label": kind.label,
                "count": len(groups[kind]),
                "pairs": groups[kind],
            }
            for kind in ordered
        ],
    }
