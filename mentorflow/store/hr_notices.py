"""The ``hr_notices`` table: what HR should know about a pair, recorded once,
listed for the console and the CLI, and put in one digest per program,
manager address and day.

A digest claims its notices (``digest_key``) before its email goes out and
marks them digested after; a retry that finds its email sent claims nothing
more, so a notice is never marked digested without having been in the mail.
Functions take a ``Session`` inside the caller's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from mentorflow.notices.models import HrNoticeRecord
from mentorflow.store.inserts import insert_for, inserted
from mentorflow.store.schema import HrNotice, Mentorship


def record_notice(session: Session, record: HrNoticeRecord) -> bool:
    """Records a notice; False when it was there (a retry)."""
    values = record.model_dump(mode="python")
    values["kind"] = record.kind.value
    statement = (
        insert_for(session, HrNotice)
        .values(
            **values,
            day=record.happened_at.astimezone(UTC).date(),
            recorded_at=datetime.now(UTC),
            resolution="",
        )
        .on_conflict_do_nothing(index_elements=[HrNotice.key])
    )
    return inserted(session, statement)


def list_notices(
    session: Session,
    *,
    cohort: str | None = None,
    program_name: str | None = None,
    program_names: Collection[str] | None = None,
    undigested: bool = False,
    limit: int | None = None,
) -> Sequence[HrNotice]:
    """Notices, newest first, with their mentorship (and its people) loaded."""
    query = select(HrNotice).options(
        selectinload(HrNotice.mentorship).selectinload(Mentorship.mentor),
        selectinload(HrNotice.mentorship).selectinload(Mentorship.mentee),
    )
    if cohort is not None:
        query = query.where(HrNotice.cohort == cohort)
    if program_name is not None:
        query = query.where(HrNotice.program_name == program_name)
    if program_names is not None:
        query = query.where(HrNotice.program_name.in_(list(program_names)))
    if undigested:
        query = query.where(HrNotice.digested_at.is_(None))
    query = query.order_by(HrNotice.happened_at.desc(), HrNotice.id.desc()).limit(limit)
    return session.scalars(query).all()


def digest_groups(session: Session) -> list[tuple[str, str]]:
    """(program, manager address) pairs with notices not yet digested."""
    rows = session.execute(
        select(HrNotice.program_name, HrNotice.manager_email)
        .where(HrNotice.digested_at.is_(None))
        .distinct()
    )
    # Addresses compare without case: one manager, one digest.
    return sorted({(program, address.lower()) for program, address in rows})


def claim(session: Session, key: str, program_name: str, address: str) -> int:
    """Puts every undigested notice of the program for ``address`` in the
    digest ``key`` (also one an earlier, unsent digest had claimed)."""
    candidates = select(HrNotice.id, HrNotice.manager_email).where(
        HrNotice.program_name == program_name, HrNotice.digested_at.is_(None)
    )
    ids = [i for i, to in session.execute(candidates) if to.lower() == address.lower()]
    if not ids:
        return 0
    session.execute(update(HrNotice).where(HrNotice.id.in_(ids)).values(digest_key=key))
    return len(ids)


def claimed(session: Session, key: str) -> Sequence[HrNotice]:
    """The notices of digest ``key``, oldest first, people loaded."""
    return session.scalars(
        select(HrNotice)
        .where(HrNotice.digest_key == key)
        .options(
            selectinload(HrNotice.mentorship).selectinload(Mentorship.mentor),
            selectinload(HrNotice.mentorship).selectinload(Mentorship.mentee),
        )
        .order_by(HrNotice.happened_at, HrNotice.id)
    ).all()


def mark_digested(session: Session, key: str, at: datetime) -> int:
    result = session.execute(
        update(HrNotice)
        .where(HrNotice.digest_key == key, HrNotice.digested_at.is_(None))
        .values(digested_at=at)
    )
    return int(result.rowcount or 0)


def waiting(session: Session, key: str, program_name: str, address: str) -> int:
    """Undigested notices of the program for ``address`` outside digest ``key``:
    they came after that digest went out and wait for the next one."""
    rows = session.execute(
        select(HrNotice.manager_email, HrNotice.digest_key).where(
            HrNotice.program_name == program_name, HrNotice.digested_at.is_(None)
        )
    )
    return sum(1 for to, claimed_by in rows if to.lower() == address.lower() and claimed_by != key)
