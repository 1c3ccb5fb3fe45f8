"""A sync from a CSV export applied to the store, on SQLite and PostgreSQL:
whole or not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from mentorflow.directory import import_directory
from mentorflow.hris.apply import apply_diff, held_directory
from mentorflow.hris.csv_source import HrisSourceError, read_directory_csv
from mentorflow.hris.diff import diff_directory
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Person

HEADER = "employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level"
TODAY = f"""{HEADER}
M1,mona@example.com,Mona Manager,Director,Platform,,Berlin,Europe/Berlin,2015-01-05,L7
A1,ana@example.com,Ana Applicant,Engineer,Platform,M1,Lisbon,Europe/Lisbon,2020-03-02,L3
B2,bo@example.com,Bo Builder,Engineer,Platform,M1,Lisbon,Europe/Lisbon,2021-03-02,L3
"""


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, TODAY).errors
        yield session
    engine.dispose()


def test_a_sync_applies_joiners_movers_and_leavers(session: Session, tmp_path: Path) -> None:
    export = tmp_path / "hris.csv"
    export.write_text(
        f"""{HEADER},active
M1,mona@example.com,Mona Manager,Director,Platform,,Berlin,Europe/Berlin,2015-01-05,L7,true
A1,ana.new@example.com,Ana Applicant,Engineer,Data,M1,Lisbon,Europe/Lisbon,2020-03-02,L4,true
B2,bo@example.com,Bo Builder,Engineer,Platform,M1,Lisbon,Europe/Lisbon,2021-03-02,L3,false
C3,cy@example.com,Cy Newhire,Engineer,Platform,M1,Berlin,Europe/Berlin,2026-11-02,L2,true
"""
    )
    incoming = read_directory_csv(export)
    diff = diff_directory(held_directory(session), incoming)
    assert [m.employee_id for m in diff.movers] == ["A1"] and diff.leavers == ["B2"]
    apply_diff(session, incoming, diff, datetime.now(UTC))

    assert session.get(Person, "A1").email == "ana.new@example.com"
    assert session.get(Person, "A1").department == "Data"
    assert session.get(Person, "B2").active is False
    assert session.get(Person, "C3").active is True
    # Applied: the same export again changes nothing.
    assert diff_directory(held_directory(session), read_directory_csv(export)).empty


def test_one_bad_row_stops_the_whole_sync(tmp_path: Path) -> None:
    export = tmp_path / "hris.csv"
    export.write_text(
        f"""{HEADER}
M1,mona@example.com,Mona Manager,Director,Platform,,Berlin,Europe/Berlin,2015-01-05,L7
A1,not-an-email,Ana Applicant,Engineer,Platform,M1,Lisbon,Mars/Olympus,2020-03-02,L3
"""
    )
    with pytest.raises(HrisSourceError, match="nothing applied") as refused:
        read_directory_csv(export)
    assert ":3:" in str(refused.value)


def test_an_unreadable_export_is_refused(tmp_path: Path) -> None:
    with pytest.raises(HrisSourceError):
        read_directory_csv(tmp_path / "missing.csv")
