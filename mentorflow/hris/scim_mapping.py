"""A SCIM 2.0 User (core schema + enterprise extension) as the directory sees
it, and all pages' users turned into directory records.

SCIM has no place for a seniority level or a hire date, and a service may leave
out the time zone: those stay ``None`` here and are filled from what we already
hold, so that a SCIM sync never reports a change the service did not make.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from scim2_models import Context, EnterpriseUser, User

from mentorflow.addresses import email_address
from mentorflow.directory import known_zone
from mentorflow.hris.csv_source import HrisSourceError
from mentorflow.hris.diff import DirectoryRecord

#: The User model the service is read with: core schema plus enterprise extension.
DirectoryUser = User[EnterpriseUser]

#: Column widths of ``people`` (a longer value would fail the store half-way).
_WIDTHS = {
    "scim_id": 255,
    "employee_id": 64,
    "email": 320,
    "name": 200,
    "title": 200,
    "department": 200,
    "location": 200,
    "timezone": 64,
}


class ScimUser(BaseModel):
    """One user as the SCIM service describes them."""

    scim_id: str
    #: Enterprise ``employeeNumber`` (fallback: ``externalId``).
    employee_id: str
    #: The primary email (else the first work email, else the first one).
    email: str
    #: ``displayName``, else ``name.formatted``, else given + family name.
    name: str
    title: str = ""
    department: str = ""
    #: Enterprise ``manager.value``: the manager's SCIM id, not their employee id.
    manager_scim_id: str | None = None
    #: The primary (else the first) address's locality.
    location: str = ""
    #: ``User.timezone`` (IANA); None when the service does not give one.
    timezone: str | None = None
    #: Not standard SCIM: always None, filled from the held directory.
    level: str | None = None
    #: Not standard SCIM: always None, filled from the held directory.
    hire_date: date | None = None
    active: bool = True


def scim_user(payload: Any, start_index: int, position: int) -> ScimUser:
    """The user at ``position`` (0-based) of the page at ``start_index``;
    ``HrisSourceError`` naming the page and the user when it cannot be read."""
    user_id = payload.get("id") if isinstance(payload, dict) else None
    who = f"user {user_id!r}" if user_id else f"user #{start_index + position}"

    def bad(reason: str) -> HrisSourceError:
        return HrisSourceError(f"SCIM page at startIndex {start_index}, {who}: {reason}")

    if not isinstance(payload, dict):
        raise bad("not a JSON object")
    if not user_id:
        raise bad("no id")
    try:
        user = DirectoryUser.model_validate(payload, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    except ValidationError as exc:
        problems = "; ".join(
            ": ".join(filter(None, (".".join(map(str, error["loc"])), error["msg"])))
            for error in exc.errors()
        )
        raise bad(f"not a valid SCIM User ({problems})") from exc
    enterprise = user[EnterpriseUser]
    employee_id = _text(enterprise.employee_number if enterprise else None) or _text(
        user.external_id
    )
    if not employee_id:
        raise bad("no employee number (enterprise employeeNumber or externalId)")
    try:
        email = email_address(_email(user))
    except ValueError as exc:
        raise bad(str(exc)) from exc
    name = _name(user)
    if not name:
        raise bad("no name (displayName, name.formatted or given and family name)")
    timezone = _text(user.timezone) or None
    if timezone is not None and not known_zone(timezone):
        raise bad(f"unknown time zone {timezone!r} (an IANA name is expected)")
    manager = _text(enterprise.manager.value) if enterprise and enterprise.manager else ""
    scim_id = str(user.id)
    if manager == scim_id:
        raise bad("is their own manager")
    record = ScimUser(
        scim_id=scim_id,
        employee_id=employee_id,
        email=email,
        name=name,
        title=_text(user.title),
        department=_text(enterprise.department if enterprise else None),
        manager_scim_id=manager or None,
        location=_location(user),
        timezone=timezone,
        active=user.active is not False,
    )
    for field, width in _WIDTHS.items():
        value = getattr(record, field)
        if value is not None and len(value) > width:
            raise bad(f"{field} longer than {width} characters")
    return record


def directory_from_scim(
    users: Sequence[ScimUser], held: Mapping[str, DirectoryRecord]
) -> dict[str, DirectoryRecord]:
    """All pages' users as directory records keyed by employee id.

    Managers are resolved from SCIM ids to employee ids (a manager who is not
    among the users gives no manager). What the service did not say (time
    zone, level, hire date) is taken from ``held`` for people we know, and
    defaults for joiners. The same SCIM id seen twice (offset paging over a
    directory that changed between pages) is one person, the later read wins;
    two SCIM ids with one employee id is an error: the service cannot tell us
    which of them is the employee.
    """
    by_scim_id = {user.scim_id: user for user in users}
    scim_ids: dict[str, list[str]] = defaultdict(list)
    for user in by_scim_id.values():
        scim_ids[user.employee_id].append(user.scim_id)
    clashes = [
        f"employee id {employee_id!r} is on SCIM users {', '.join(repr(i) for i in ids)}"
        for employee_id, ids in sorted(scim_ids.items())
        if len(ids) > 1
    ]
    if clashes:
        raise HrisSourceError(f"SCIM directory refused, nothing applied: {'; '.join(clashes)}")
    records: dict[str, DirectoryRecord] = {}
    for user in by_scim_id.values():
        manager = by_scim_id.get(user.manager_scim_id) if user.manager_scim_id else None
        known = held.get(user.employee_id)
        records[user.employee_id] = DirectoryRecord(
            employee_id=user.employee_id,
            email=user.email,
            name=user.name,
            title=user.title,
            department=user.department,
            manager_id=manager.employee_id if manager else None,
            location=user.location,
            timezone=_given(user.timezone, known.timezone if known else "UTC"),
            level=_given(user.level, known.level if known else ""),
            hire_date=user.hire_date if user.hire_date is not None else _held_hire_date(known),
            active=user.active,
        )
    return records


def _given(value: str | None, fallback: str) -> str:
    return fallback if value is None else value


def _held_hire_date(known: DirectoryRecord | None) -> date | None:
    return known.hire_date if known else None


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _email(user: User[Any]) -> str:
    emails = [email for email in user.emails or [] if _text(email.value)]
    if not emails:
        raise ValueError("no email")
    chosen = (
        next((email for email in emails if email.primary), None)
        or next((email for email in emails if email.type == "work"), None)
        or emails[0]
    )
    return _text(chosen.value)


def _name(user: User[Any]) -> str:
    if _text(user.display_name):
        return _text(user.display_name)
    if user.name is None:
        return ""
    if _text(user.name.formatted):
        return _text(user.name.formatted)
    return " ".join(
        part for part in (_text(user.name.given_name), _text(user.name.family_name)) if part
    )


def _location(user: User[Any]) -> str:
    addresses = user.addresses or []
    chosen = next((address for address in addresses if address.primary), None) or (
        addresses[0] if addresses else None
    )
    return _text(chosen.locality) if chosen else ""
