"""Applying a directory diff to the store, inside the caller's transaction so
that a sync applies whole or not at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorflow.hris.diff import DirectoryDiff, DirectoryRecord
from mentorflow.store.schema import Person

FIELDS = ("email", "name", "title", "department", "manager_id", "location", "timezone")
FIELDS += ("hire_date", "level")


def held_directory(session: Session) -> dict[str, DirectoryRecord]:
    return {
        person.employee_id: DirectoryRecord(
            **{name: getattr(person, name) for name in FIELDS},
            employee_id=person.employee_id,
            active=person.active,
        )
        for person in session.scalars(select(Person))
    }


def apply_diff(
    session: Session,
    incoming: dict[str, DirectoryRecord],
    diff: DirectoryDiff,
    now: datetime,
) -> None:
    for record in diff.joiners:
        session.add(
            Person(
                employee_id=record.employee_id,
                **{name: getattr(record, name) for name in FIELDS},
                attributes={},
                active=True,
                updated_at=now,
            )
        )
    changed = [move.employee_id for move in diff.updates]
    returning = [record.employee_id for record in diff.returners]
    for employee_id in [*changed, *returning]:
        person = session.get(Person, employee_id)
        assert person is not None  # the diff was computed from this store
        record = incoming[employee_id]
        for name in FIELDS:
            setattr(person, name, getattr(record, name))
        person.active = True
        person.updated_at = now
    for employee_id in diff.leavers:
        person = session.get(Person, employee_id)
        assert person is not None
        person.active = False
        person.updated_at = now
    session.flush()
