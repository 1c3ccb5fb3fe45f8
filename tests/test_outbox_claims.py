"""The outbox's send claim on SQLite and PostgreSQL: of many racing senders
(threads here, each with its own connection) exactly one may send; a stale
claim is taken over; the losers read the winner's outcome."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.mail import outbox
from mentorflow.store.db import make_engine, make_sessionmaker

KEY = "mentorship:c:e-100:e-200:checkin:1:e-200"
RACERS = 10


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


def claim_row(sessions: sessionmaker[Session]) -> outbox.OutboxEntry:
    return outbox.claim(
        sessions,
        idempotency_key=KEY,
        message_id=f"<{KEY}@example.com>",
        mentorship_id="mentorship:c:e-100:e-200",
        template="checkin",
        to_address="bo@example.com",
    )


def race(sessions: sessionmaker[Session], stale_after: timedelta = outbox.STALE_CLAIM) -> int:
    """How many of ``RACERS`` threads, started together, win the send."""
    start = threading.Barrier(RACERS)

    def one(n: int) -> bool:
        claim_row(sessions)  # every racer inserts-or-reads the row first, as senders do
        start.wait()
        return outbox.begin_send(sessions, KEY, f"racer-{n}", stale_after=stale_after)

    with ThreadPoolExecutor(RACERS) as pool:
        return sum(pool.map(one, range(RACERS)))


def test_one_of_ten_racing_senders_wins(sessions: sessionmaker[Session]) -> None:
    assert race(sessions) == 1
    entry = outbox.get(sessions, KEY)
    assert entry is not None and entry.status is outbox.OutboxStatus.SENDING
    # While it is being sent nobody else may send it, however often they ask.
    assert race(sessions) == 0
    outbox.mark_sent(sessions, KEY, "Check-in 1")
    assert race(sessions) == 0
    assert outbox.outcome(sessions, KEY, within=0).status is outbox.OutboxStatus.SENT


def test_a_transient_failure_releases_the_claim_for_one_retry(
    sessions: sessionmaker[Session],
) -> None:
    claim_row(sessions)
    assert outbox.begin_send(sessions, KEY, "first")
    outbox.mark_deferred(sessions, KEY, "Check-in 1", "421 try later")
    assert race(sessions) == 1


def test_a_dead_senders_claim_is_taken_over_once_stale(sessions: sessionmaker[Session]) -> None:
    claim_row(sessions)
    assert outbox.begin_send(sessions, KEY, "crashed")
    assert race(sessions) == 0  # fresh: the sender may still be talking to SMTP
    time.sleep(1.0)
    # Stale after half a second: exactly one takes over, and its own claim is fresh.
    assert race(sessions, stale_after=timedelta(seconds=0.5)) == 1


def test_a_loser_waits_for_the_winners_outcome(sessions: sessionmaker[Session]) -> None:
    claim_row(sessions)
    assert outbox.begin_send(sessions, KEY, "winner")
    timer = threading.Timer(0.3, outbox.mark_sent, (sessions, KEY, "Check-in 1"))
    timer.start()
    try:
        entry = outbox.outcome(sessions, KEY, within=10)
    finally:
        timer.join()
    assert entry.status is outbox.OutboxStatus.SENT
    assert entry.subject == "Check-in 1"


def test_a_cancelled_sender_frees_its_claim_at_once(sessions: sessionmaker[Session]) -> None:
    claim_row(sessions)
    assert outbox.begin_send(sessions, KEY, "cancelled")
    outbox.release(sessions, KEY, "someone-else")  # not theirs to free
    assert race(sessions) == 0
    outbox.release(sessions, KEY, "cancelled")
    assert race(sessions) == 1
    outbox.mark_sent(sessions, KEY, "Check-in 1")
    outbox.release(sessions, KEY, "cancelled")  # an outcome is never undone
    assert outbox.outcome(sessions, KEY, within=0).status is outbox.OutboxStatus.SENT
