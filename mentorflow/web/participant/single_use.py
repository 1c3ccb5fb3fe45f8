"""Single use of a signed link on submit, shared by every link page.

The link id is claimed in ``used_links`` before anything acts; the workflow
update then runs with the link id as its update id, so a retried submission
is also a no-op inside Temporal. Only an action marked as taken confirms the
claim: a refused form, a refused update or an error releases it, and the
person may use the link again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError

from mentorflow.links import LinkClaims
from mentorflow.store.used_links import ClaimResult, claim_link, confirm_link, release_link
from mentorflow.web.errors import PageError

ALREADY_USED = PageError(
    409,
    "This link has already been used",
    "Your answer was recorded earlier. Nothing more is needed from this link.",
)
IN_FLIGHT = PageError(
    409,
    "Your answer is being recorded",
    "This link was just submitted and is still being processed. "
    "Please wait a moment; there is no need to submit again.",
)


class LinkUse:
    """Handed to the block that acts; ``took_effect()`` spends the link."""

    def __init__(self) -> None:
        self.effective = False
        self.kept = False

    def took_effect(self) -> None:
        self.effective = True

    def keep_claimed(self) -> None:
        """The answer is kept for later delivery: the link stays claimed
        until the deliverer confirms (delivered) or releases it (refused)."""
        self.kept = True


@asynccontextmanager
async def single_use(session: Session, claims: LinkClaims) -> AsyncIterator[LinkUse]:
    """Claim the link for the block; confirm it if the block marked the action
    as taken, release it otherwise (including when the block raises)."""
    claim = await run_in_threadpool(claim_link, session, claims)
    if claim is ClaimResult.USED:
        raise ALREADY_USED
    if claim is ClaimResult.IN_FLIGHT:
        raise IN_FLIGHT
    use = LinkUse()
    try:
        yield use
    except BaseException:
        # Nothing took effect: shielded, so a cancelled request still frees the link.
        await asyncio.shield(run_in_threadpool(release_link, session, claims.jti))
        raise
    if use.effective:
        await run_in_threadpool(confirm_link, session, claims.jti)
    elif not use.kept:
        await run_in_threadpool(release_link, session, claims.jti)


def refusal(exc: WorkflowUpdateFailedError) -> str:
    """The workflow validator's words, for the person who was refused."""
    return str(getattr(exc.cause, "message", "") or exc.cause or exc)
