"""Single use of signed links in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from mentorflow.links import LinkClaims
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.used_links import (
    ClaimResult,
    claim_link,
    confirm_link,
    link_state,
    release_link,
)

NOW = datetime(2030, 5, 6, 9, 0, tzinfo=UTC)


def claims(jti: str = "a" * 32) -> LinkClaims:
    return LinkClaims("checkin", "mentorship:c1:E100:E200", "E200", "1", NOW, jti)


def test_claim_confirm_release(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            assert link_state(session, claims().jti) is None
            assert claim_link(session, claims(), NOW) is ClaimResult.CLAIMED
            assert claim_link(session, claims(), NOW) is ClaimResult.IN_FLIGHT
            release_link(session, claims().jti)
            assert link_state(session, claims().jti) is None

            assert claim_link(session, claims(), NOW) is ClaimResult.CLAIMED
            confirm_link(session, claims().jti, NOW)
            assert link_state(session, claims().jti) == "used"
            release_link(session, claims().jti)  # a spent link stays spent
            assert claim_link(session, claims(), NOW + timedelta(days=1)) is ClaimResult.USED
    finally:
        engine.dispose()


def test_a_stale_claim_is_taken_over(db_url: str) -> None:
    """A request that died mid-flight does not lock the person out for good."""
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            assert claim_link(session, claims(), NOW) is ClaimResult.CLAIMED
            soon = NOW + timedelta(minutes=1)
            assert claim_link(session, claims(), soon) is ClaimResult.IN_FLIGHT
            later = NOW + timedelta(minutes=6)
            assert claim_link(session, claims(), later) is ClaimResult.CLAIMED
            assert claim_link(session, claims(), later) is ClaimResult.IN_FLIGHT
    finally:
        engine.dispose()


def test_concurrent_claims_one_wins(db_url: str) -> None:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)

    def claim(_: int) -> ClaimResult:
        with sessions() as session:
            return claim_link(session, claims("b" * 32), NOW)

    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(claim, range(8)))
        assert results.count(ClaimResult.CLAIMED) == 1
        assert results.count(ClaimResult.IN_FLIGHT) == 7
    finally:
        engine.dispose()
