"""The store of kept answers on SQLite and PostgreSQL: in arrival order, and
an answer given again through a link whose earlier answer was refused is kept
in its place, never dropped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.links import LinkClaims
from mentorflow.store import pending_answers
from mentorflow.store.db import make_engine, make_sessionmaker

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def claims(jti: str) -> LinkClaims:
    return LinkClaims(
        "checkin", "mentorship:c:E100:E200", "E200", "1", NOW + timedelta(days=7), jti
    )


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_kept_answers_come_back_in_arrival_order(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        pending_answers.keep(session, claims("late"), {"met": "no"}, NOW + timedelta(minutes=1))
        pending_answers.keep(session, claims("early"), {"met": "yes"}, NOW)
    assert [k.claims.jti for k in pending_answers.due(sessions)] == ["early", "late"]
    pending_answers.mark_delivered(sessions, pending_answers.due(sessions)[0].id)
    assert [k.claims.jti for k in pending_answers.due(sessions)] == ["late"]


def test_a_new_answer_replaces_a_refused_one(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        pending_answers.keep(session, claims("j1"), {"met": "maybe"}, NOW)
    [kept] = pending_answers.due(sessions)
    pending_answers.mark_refused(sessions, kept.id, "Please say whether you met.")
    assert pending_answers.due(sessions) == []
    with sessions() as session:
        pending_answers.keep(session, claims("j1"), {"met": "yes"}, NOW + timedelta(hours=1))
        assert pending_answers.is_pending(session, "j1")
    [again] = pending_answers.due(sessions)
    assert (again.form, again.received_at, again.last_error) == (
        {"met": "yes"},
        NOW + timedelta(hours=1),
        "",
    )


def test_a_workflow_learns_which_answers_still_wait_for_it(
    sessions: sessionmaker[Session],
) -> None:
    """What a workflow asks before acting on silence: answers kept for it,
    received by its deadline, neither delivered nor refused yet."""
    workflow_id = claims("any").workflow_id
    other = LinkClaims("alumni", "alumni:G1:c", "G1", "", NOW + timedelta(days=7), "other")
    with sessions() as session:
        pending_answers.keep(session, claims("in-time"), {"met": "yes"}, NOW)
        pending_answers.keep(session, claims("too-late"), {"met": "yes"}, NOW + timedelta(hours=2))
        pending_answers.keep(session, other, {"decision": "accept"}, NOW)
        assert pending_answers.waiting_for(session, workflow_id, NOW + timedelta(hours=1)) == 1
        assert pending_answers.waiting_for(session, workflow_id, NOW + timedelta(hours=3)) == 2
    in_time = pending_answers.get(sessions, "in-time")
    assert in_time is not None
    pending_answers.mark_refused(sessions, in_time.id, "This check-in is not open for answers.")
    with sessions() as session:
        assert pending_answers.waiting_for(session, workflow_id, NOW + timedelta(hours=1)) == 0
        assert pending_answers.waiting_for(session, "alumni:G1:c", NOW) == 1
