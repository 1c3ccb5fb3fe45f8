"""Single use of signed links: claim a link's id before it acts, confirm it
once the action took effect, release it when the action was refused.

The primary key on ``used_links.jti`` is the lock: of two concurrent
submissions of the same link, one insert wins and the other sees the row.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorflow.links import LinkClaims
from mentorflow.store.schema import UsedLink

#: A claim this old is taken to belong to a request that died mid-flight
#: (process killed, browser gone). Taking it over is safe because the action
#: is a Temporal update whose id is the link id: a second run of it returns
#: the first one's result instead of acting twice.
STALE_CLAIM_AFTER = timedelta(minutes=5)

CLAIMED = "claimed"
USED = "used"


class ClaimResult(StrEnum):
    CLAIMED = "claimed"  # this request may act
    IN_FLIGHT = "in_flight"  # another request is acting on the link right now
    USED = "used"  # the link already took effect


def link_state(session: Session, jti: str) -> str | None:
    """``claimed``, ``used`` or ``None`` for a link never submitted."""
    row = session.get(UsedLink, jti)
    return row.state if row is not None else None


def claim_link(
    session: Session,
    claims: LinkClaims,
    now: datetime | None = None,
    stale_after: timedelta = STALE_CLAIM_AFTER,
) -> ClaimResult:
    now = now or datetime.now(UTC)
    session.add(
        UsedLink(
            jti=claims.jti,
            purpose=claims.purpose,
            workflow_id=claims.workflow_id,
            participant_id=claims.participant_id,
            state=CLAIMED,
            used_at=now,
        )
    )
    try:
        session.commit()
        return ClaimResult.CLAIMED
    except IntegrityError:
        session.rollback()
    # Conditional update, so that of two requests taking over the same stale
    # claim only one matches the old timestamp.
    taken = session.execute(
        update(UsedLink)
        .where(
            UsedLink.jti == claims.jti,
            UsedLink.state == CLAIMED,
            UsedLink.used_at < now - stale_after,
        )
        .values(used_at=now)
    )
    session.commit()
    if taken.rowcount == 1:  # type: ignore[attr-defined]
        return ClaimResult.CLAIMED
    state = link_state(session, claims.jti)
    if state is None:
        # Released between our insert and our look: try once more from scratch.
        return claim_link(session, claims, now, stale_after)
    return ClaimResult.USED if state == USED else ClaimResult.IN_FLIGHT


def confirm_link(session: Session, jti: str, now: datetime | None = None) -> None:
    """The action took effect: the link is spent for good."""
    session.execute(
        update(UsedLink)
        .where(UsedLink.jti == jti)
        .values(state=USED, used_at=now or datetime.now(UTC))
    )
    session.commit()


def release_link(session: Session, jti: str) -> None:
    """The action was refused or never reached the workflow: the link may be
    used again. A confirmed link is never released."""
    session.execute(delete(UsedLink).where(UsedLink.jti == jti, UsedLink.state == CLAIMED))
    session.commit()
