"""A small organisation for HRIS sync tests, written out as a CSV export the
way an HR system would hand it over, and a desk that runs syncs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session
from temporalio.client import Client

from mentorflow.hris.diff import DirectoryRecord
from mentorflow.hris.models import HrisSyncInput, SyncOutcome
from mentorflow.settings import Settings
from mentorflow.store.db import make_engine, make_sessionmaker
from workflows.hris_sync import HrisSyncWorkflow

HEADER = "employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level"
T = TypeVar("T")


def person(
    employee_id: str, name: str, manager_id: str | None = "M1", **fields: object
) -> DirectoryRecord:
    first = name.split()[0].lower()
    values: dict[str, object] = {
        "employee_id": employee_id,
        "email": f"{first}@example.com",
        "name": name,
        "title": "Engineer",
        "department": "Platform",
        "manager_id": manager_id,
        "location": "Berlin",
        "timezone": "Europe/Berlin",
        "hire_date": "2020-01-06",
        "level": "L4",
    }
    values.update(fields)
    return DirectoryRecord.model_validate(values)


#: Twelve people: one leaver at a time is within the default 10 % guard, two are not.
#: E100 (Maria) and E200 (Eli) are the pair the tests run; M1 and M2 manage them.
ORGANISATION: list[DirectoryRecord] = [
    person("M1", "Mona Director", None, title="Director", level="L7"),
    person("M2", "Max Lead", "M1", title="Lead", level="L6"),
    person("E100", "Maria Jansen", "M1", email="maria.mentor@example.com", level="L5"),
    person(
        "E200",
        "Eli Okafor",
        "M2",
        email="eli.mentee@example.com",
        timezone="America/New_York",
        level="L3",
    ),
    *(person(f"F{n}", f"Filler{n} Person", "M2") for n in range(1, 9)),
]


def export(path: Path, records: Iterable[DirectoryRecord]) -> Path:
    lines = [HEADER]
    for r in records:
        cells = [
            r.employee_id,
            r.email,
            r.name,
            r.title,
            r.department,
            r.manager_id or "",
            r.location,
            r.timezone,
            r.hire_date.isoformat() if r.hire_date else "",
            r.level,
        ]
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def without(records: Iterable[DirectoryRecord], *gone: str) -> list[DirectoryRecord]:
    return [r for r in records if r.employee_id not in gone]


def changed(records: Iterable[DirectoryRecord], employee_id: str, **fields: object) -> list:
    return [r.model_copy(update=fields) if r.employee_id == employee_id else r for r in records]


@dataclass
class SyncDesk:
    client: Client
    settings: Settings
    task_queue: str

    async def sync(self, csv: Path | None = None, accept_leavers: int = 0) -> SyncOutcome:
        return await self.client.execute_workflow(
            HrisSyncWorkflow.run,
            HrisSyncInput(csv_path=str(csv) if csv else None, accept_leavers=accept_leavers),
            id=f"hris-sync-test-{uuid.uuid4()}",
            task_queue=self.task_queue,
        )

    def read(self, query: Callable[[Session], T]) -> T:
        engine = make_engine(self.settings.resolved_database_url)
        try:
            with make_sessionmaker(engine)() as session:
                return query(session)
        finally:
            engine.dispose()

    async def until(self, query: Callable[[Session], T], within: float = 15.0) -> T:
        """Polls the store until ``query`` returns something truthy."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            value = self.read(query)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the store never showed what was expected")
            await asyncio.sleep(0.1)
