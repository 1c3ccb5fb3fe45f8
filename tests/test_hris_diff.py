"""The directory diff: joiners, movers, leavers, returners, and the guard
against a sync that would make too many people leave at once."""

from __future__ import annotations

from datetime import date

from mentorflow.hris.diff import DirectoryRecord, diff_directory, too_many_leavers


def person(employee_id: str, **fields: object) -> DirectoryRecord:
    base: dict[str, object] = {
        "employee_id": employee_id,
        "email": f"{employee_id.lower()}@example.com",
        "name": f"Person {employee_id}",
        "department": "Platform",
        "manager_id": "M1",
        "timezone": "Europe/Berlin",
        "level": "L3",
        "hire_date": date(2020, 1, 6),
    }
    return DirectoryRecord(**(base | fields))


def keyed(*records: DirectoryRecord) -> dict[str, DirectoryRecord]:
    return {r.employee_id: r for r in records}


def test_joiners_movers_leavers_and_returners() -> None:
    held = keyed(
        person("M1", manager_id=None),
        person("A1"),
        person("B2"),
        person("C3"),
        person("D4", active=False),
    )
    incoming = keyed(
        person("M1", manager_id=None),
        person("A1", department="Data", manager_id="M9"),  # mover
        person("B2", title="Senior Engineer"),  # plain update
        person("C3", active=False),  # leaver, said so
        person("D4"),  # back again
        person("E5"),  # joiner
    )
    diff = diff_directory(held, incoming)
    assert [r.employee_id for r in diff.joiners] == ["E5"]
    assert [m.employee_id for m in diff.movers] == ["A1"]
    assert diff.movers[0].changes == {
        "department": ("Platform", "Data"),
        "manager_id": ("M1", "M9"),
    }
    assert [m.employee_id for m in diff.updates] == ["A1", "B2"]
    assert diff.leavers == ["C3"]
    assert [r.employee_id for r in diff.returners] == ["D4"]


def test_someone_missing_from_the_source_leaves() -> None:
    held = keyed(person("A1"), person("B2"), person("C3", active=False))
    diff = diff_directory(held, keyed(person("A1")))
    assert diff.leavers == ["B2"]  # C3 had already left


def test_an_email_or_time_zone_change_makes_a_mover() -> None:
    held = keyed(person("A1"))
    moved = diff_directory(held, keyed(person("A1", email="new@example.com", timezone="UTC")))
    assert moved.movers[0].changes == {
        "email": ("a1@example.com", "new@example.com"),
        "timezone": ("Europe/Berlin", "UTC"),
    }


def test_nothing_changed_is_an_empty_diff() -> None:
    held = keyed(person("A1"), person("B2"))
    assert diff_directory(held, dict(held)).empty


def test_the_guard_stops_a_sync_that_empties_the_directory() -> None:
    held = keyed(*(person(f"P{i:02}") for i in range(20)))
    truncated = keyed(*(person(f"P{i:02}") for i in range(12)))  # 8 of 20 would leave
    diff = diff_directory(held, truncated)
    assert too_many_leavers(diff, held, share=0.25)
    assert not too_many_leavers(diff, held, share=0.5)
    assert not too_many_leavers(diff_directory({}, truncated), {}, share=0.1)
