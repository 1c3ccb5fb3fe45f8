"""HR's operations on one running pair: read where it is (the workflow's
snapshot and the check-in answers in the store), pause, resume, end early.

HR acts as ``hr`` through the same validated workflow updates the
participants' pages use, so the same rules hold (a closed pair cannot be
paused, a reason is required to end one)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.audit import AuditAction
from mentorflow.hr import workflow_calls
from mentorflow.hr.audited import Actor, audited
from mentorflow.models import (
    ActionReceipt,
    EndRequest,
    MentorshipSnapshot,
    PauseRequest,
    ResumeRequest,
)
from mentorflow.store.mentorships import get_mentorship
from mentorflow.store.schema import CheckIn

#: Who HR is in a pair's updates and history.
HR = "hr"


def _missing(mentorship_id: str) -> str:
    return f"no mentorship {mentorship_id!r}"


async def mentorship_snapshot(client: Client, mentorship_id: str) -> MentorshipSnapshot:
    return await workflow_calls.query(
        client, mentorship_id, "snapshot", MentorshipSnapshot, missing=_missing(mentorship_id)
    )


def stored_checkins(sessions: sessionmaker[Session], mentorship_id: str) -> list[CheckIn]:
    """The pair's check-ins with their answers, from the store (the workflow
    keeps where the pair is, the store what people said), in order; loaded
    whole, so usable once the session is closed."""
    with sessions() as session:
        mentorship = get_mentorship(session, mentorship_id)
        return sorted(mentorship.checkins, key=lambda c: c.number) if mentorship else []


async def pause(
    sessions: sessionmaker[Session],
    client: Client,
    mentorship_id: str,
    reason: str = "",
    *,
    actor: Actor,
) -> ActionReceipt:
    """No check-ins go out while paused, and later dates move back."""
    request = PauseRequest(by=HR, reason=reason)
    async with audited(sessions, actor, AuditAction.PAUSE, mentorship_id, reason=reason):
        return await _act(client, mentorship_id, "pause", request)


async def resume(
    sessions: sessionmaker[Session], client: Client, mentorship_id: str, *, actor: Actor
) -> ActionReceipt:
    async with audited(sessions, actor, AuditAction.RESUME, mentorship_id):
        return await _act(client, mentorship_id, "resume", ResumeRequest(by=HR))


async def end_early(
    sessions: sessionmaker[Session],
    client: Client,
    mentorship_id: str,
    reason: str,
    *,
    actor: Actor,
) -> ActionReceipt:
    """No-fault: both participants are told kindly, HR in the day's digest."""
    request = EndRequest(by=HR, reason=reason)
    async with audited(sessions, actor, AuditAction.END, mentorship_id, reason=reason):
        return await _act(client, mentorship_id, "end_early", request)


async def _act(client: Client, mentorship_id: str, update: str, payload: object) -> ActionReceipt:
    return await workflow_calls.update(
        client, mentorship_id, update, payload, missing=_missing(mentorship_id)
    )
