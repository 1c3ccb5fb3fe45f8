"""Form bodies of the application pages → what the ApplicationWorkflow takes.

As for the mentorship forms, who acts (``by``) comes from the signed token,
never from the form, and every problem is collected so the page shows them
all at once next to their fields, with what the person typed kept.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mentorflow.applications.models import ApplicationDetails, ManagerDecision, WithdrawRequest
from mentorflow.models import NAMED_CADENCES, Role
from mentorflow.web.participant.forms import FormError, _build, _Reader

#: The limits of ``ApplicationDetails``.
ANSWER_MAX = 2000
REASON_MAX = 2000
#: Ranked mentor wishes the form offers (best first).
PREFERENCE_SLOTS = 3
CAPACITY_RANGE = (1, 10)
ROLE_FIELDS = (("role_mentee", Role.MENTEE), ("role_mentor", Role.MENTOR))


def parse_decision(form: Mapping[str, str], by: str) -> ManagerDecision:
    r = _Reader(form)
    decision = r.choice("decision", ("approve", "decline"), required="Please approve or decline.")
    reason = r.text("reason", REASON_MAX)
    payload = _build(r, ManagerDecision, by=by, approve=decision == "approve", reason=reason)
    assert isinstance(payload, ManagerDecision)
    return payload


def parse_withdraw(form: Mapping[str, str], by: str) -> WithdrawRequest:
    r = _Reader(form)
    reason = r.text("reason", REASON_MAX)
    payload = _build(r, WithdrawRequest, by=by, reason=reason)
    assert isinstance(payload, WithdrawRequest)
    return payload


def split_list(value: str) -> list[str]:
    """``"English, German; english"`` → ``["English", "German"]``."""
    seen: set[str] = set()
    kept: list[str] = []
    for item in (v.strip() for v in value.replace(";", ",").split(",")):
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            kept.append(item)
    return kept


def parse_application(
    form: Mapping[str, str], me: str, find_colleague: Callable[[str], str | None]
) -> ApplicationDetails:
    """The web form's application. ``find_colleague`` turns what the person
    typed for a wished-for mentor (a work email or an employee id) into an
    employee id, or ``None`` when the directory has nobody by that."""
    r = _Reader(form)
    roles = [role for name, role in ROLE_FIELDS if form.get(name, "").strip()]
    if not roles:
        r.errors["role_mentee"] = "Please choose mentee, mentor or both."
    capacity = 1
    if Role.MENTOR in roles:
        low, high = CAPACITY_RANGE
        given = r.integer("capacity", low, high, required="How many mentees can you take on?")
        capacity = given or 1
    cadence = r.choice("preferred_cadence", tuple(NAMED_CADENCES)) or ""
    answers = {
        name: r.text(name, ANSWER_MAX) for name in ("expertise", "goals", "interests", "notes")
    }
    if Role.MENTEE in roles and not answers["goals"]:
        r.errors["goals"] = "Please tell us what you would like to achieve."
    if Role.MENTOR in roles and not answers["expertise"]:
        r.errors["expertise"] = "Please tell us what you can help with."
    preferences: list[str] = []
    for slot in range(1, PREFERENCE_SLOTS + 1):
        name = f"mentor_preference_{slot}"
        typed = r.text(name, 320)
        if not typed:
            continue
        found = find_colleague(typed)
        if found is None:
            r.errors[name] = f"We cannot find {typed} in the directory."
        elif found == me:
            r.errors[name] = "You cannot be your own mentor."
        elif found not in preferences:
            preferences.append(found)
    languages = split_list(r.text("languages", 500))
    payload = _build(
        r,
        ApplicationDetails,
        roles=roles,
        capacity=capacity,
        preferred_cadence=cadence,
        languages=languages,
        mentor_preferences=preferences,
        source="web",
        **answers,
    )
    assert isinstance(payload, ApplicationDetails)
    return payload


__all__ = ["FormError", "parse_application", "parse_decision", "parse_withdraw"]
