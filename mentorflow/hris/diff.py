"""What changed between the directory we hold and what the HRIS says now:
joiners, movers and leavers, and whether so many would leave at once that the
sync must stop and ask a person first (a truncated export must never end
half the company's mentorships).

Pure: both sides are plain records keyed by employee id; no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel, ConfigDict

#: Changes that make someone a *mover*: they can affect a running mentorship
#: (reporting line, where mail goes, when check-ins go out, seniority).
MOVER_FIELDS = ("department", "manager_id", "email", "timezone", "level")
#: Other fields kept up to date without ceremony.
PLAIN_FIELDS = ("name", "title", "location", "hire_date")


class DirectoryRecord(BaseModel):
    """One person as a source (CSV or SCIM) or the store describes them."""

    model_config = ConfigDict(frozen=True)

    employee_id: str
    email: str
    name: str
    title: str = ""
    department: str = ""
    manager_id: str | None = None
    location: str = ""
    timezone: str = "UTC"
    hire_date: date | None = None
    level: str = ""
    active: bool = True


class Move(BaseModel):
    employee_id: str
    #: field → (before, after), for the fields that changed.
    changes: dict[str, tuple[str | None, str | None]]

    @property
    def is_mover(self) -> bool:
        return any(name in MOVER_FIELDS for name in self.changes)


class DirectoryDiff(BaseModel):
    joiners: list[DirectoryRecord] = []
    #: Movers (a MOVER_FIELDS change) and plain updates alike, by employee id.
    updates: list[Move] = []
    leavers: list[str] = []
    #: People inactive in the store whom the HRIS lists as active again.
    returners: list[DirectoryRecord] = []

    @property
    def movers(self) -> list[Move]:
        return [move for move in self.updates if move.is_mover]

    @property
    def empty(self) -> bool:
        return not (self.joiners or self.updates or self.leavers or self.returners)


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def diff_directory(
    held: Mapping[str, DirectoryRecord], incoming: Mapping[str, DirectoryRecord]
) -> DirectoryDiff:
    """Joiners (new ids), updates (changed fields), leavers (active here but
    inactive or absent there) and returners; each list sorted by employee id so
    that the same inputs always give the same diff."""
    diff = DirectoryDiff()
    for employee_id in sorted(incoming):
        new = incoming[employee_id]
        old = held.get(employee_id)
        if old is None:
            if new.active:
                diff.joiners.append(new)
            continue
        if not new.active:
            if old.active:
                diff.leavers.append(employee_id)
            continue
        if not old.active:
            diff.returners.append(new)
            continue
        changes = {
            name: (_text(getattr(old, name)), _text(getattr(new, name)))
            for name in (*MOVER_FIELDS, *PLAIN_FIELDS)
            if getattr(old, name) != getattr(new, name)
        }
        if changes:
            diff.updates.append(Move(employee_id=employee_id, changes=changes))
    diff.leavers.extend(
        employee_id
        for employee_id in sorted(held)
        if held[employee_id].active and employee_id not in incoming
    )
    diff.leavers.sort()
    return diff


def too_many_leavers(
    diff: DirectoryDiff, held: Mapping[str, DirectoryRecord], share: float
) -> bool:
    """True when more than ``share`` (0–1) of the active directory would leave
    in one sync: more likely a broken export than a mass exodus."""
    active = sum(record.active for record in held.values())
    return active > 0 and len(diff.leavers) > share * active
