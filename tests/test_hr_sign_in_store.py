"""The store behind HR sign-in, on SQLite and PostgreSQL: the append-only
audit log and the programs (with their managers) read from stored cohorts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from mentorflow.audit import AuditAction, AuditRecord, AuditResult
from mentorflow.program import ProgramConfig
from mentorflow.store import audit as audit_store
from mentorflow.store import cohorts
from mentorflow.store.audit import list_audit, record_audit
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.programs import program_managers, program_overviews
from mentorflow.store.schema import AuditEntry
from tests.support.hr import (
    ALEX,
    ANNA,
    BEN,
    COHORT_A,
    COHORT_B,
    PROGRAM_A,
    PROGRAM_B,
    seed_programs,
)


def test_audit_rows_are_appended_and_read_newest_first(db_url: str) -> None:
    engine = make_engine(db_url)
    start = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    records = [
        AuditRecord(actor=ANNA, action=AuditAction.SIGN_IN, at=start, request_id="r1"),
        AuditRecord(
            actor=ANNA,
            action=AuditAction.ACCESS,
            result=AuditResult.REFUSED,
            target=f"/hr/programs/{PROGRAM_B}",
            detail={"reason": "not in scope", "roles": ["program_manager"]},
            at=start + timedelta(minutes=1),
            request_id="r2",
        ),
        AuditRecord(actor=BEN, action=AuditAction.SIGN_OUT, at=start + timedelta(minutes=2)),
    ]
    with make_sessionmaker(engine).begin() as session:
        for record in records:
            record_audit(session, record)
    with make_sessionmaker(engine)() as session:
        rows = list_audit(session)
        assert [(r.actor, r.action, r.result) for r in rows] == [
            (BEN, "sign_out", "ok"),
            (ANNA, "access", "refused"),
            (ANNA, "sign_in", "ok"),
        ]
        refused = rows[1]
        assert refused.detail == {"reason": "not in scope", "roles": ["program_manager"]}
        assert refused.at == start + timedelta(minutes=1)
        assert refused.request_id == "r2"
        assert [r.action for r in list_audit(session, actor=ANNA)] == ["access", "sign_in"]
        assert [r.actor for r in list_audit(session, action="sign_out")] == [BEN]
        assert len(list_audit(session, since=start + timedelta(seconds=30))) == 2
    engine.dispose()


def test_audit_result_is_one_of_its_words(db_url: str) -> None:
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        entry = record_audit(session, AuditRecord(actor=ANNA, action=AuditAction.SIGN_IN))
        entry_id = entry.id
    with pytest.raises(IntegrityError), make_sessionmaker(engine).begin() as session:
        # Past the ORM, which refuses any UPDATE of the log: the database's CHECK.
        session.connection().execute(
            update(AuditEntry).where(AuditEntry.id == entry_id).values(result="fine")
        )
    engine.dispose()


def test_the_audit_store_offers_no_way_to_change_a_row() -> None:
    public = {name for name in dir(audit_store) if not name.startswith("_")}
    functions = {name for name in public if callable(getattr(audit_store, name))}
    ours = {n for n in functions if getattr(audit_store, n).__module__ == audit_store.__name__}
    assert ours == {"record_audit", "list_audit", "count_audit", "AuditFilter", "AuditIsAppendOnly"}


def test_programs_and_their_managers_come_from_the_stored_cohorts(db_url: str) -> None:
    seed_programs(db_url)
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        assert program_managers(session) == {PROGRAM_A: [ANNA, ALEX], PROGRAM_B: [BEN]}
        overviews = program_overviews(session)
        assert [p.name for p in overviews] == [PROGRAM_A, PROGRAM_B]
        a = overviews[0]
        assert [(c.name, c.status.value, c.applications, c.pairs) for c in a.cohorts] == [
            (COHORT_A, "open", 2, 0)
        ]
        assert [p.name for p in program_overviews(session, [PROGRAM_B])] == [PROGRAM_B]
        assert program_overviews(session, []) == []
        assert [c.name for c in program_overviews(session, [PROGRAM_B])[0].cohorts] == [COHORT_B]

    # A later cohort whose file no longer names Alex takes the program from him.
    now = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        cohorts.create_cohort(
            session,
            "eng-2027-autumn",
            ProgramConfig(name=PROGRAM_A, program_manager_email=ANNA),
            opens_at=now,
            closes_at=now + timedelta(days=14),
            at=now + timedelta(days=1),
        )
    with make_sessionmaker(engine)() as session:
        assert program_managers(session)[PROGRAM_A] == [ANNA]
    engine.dispose()
