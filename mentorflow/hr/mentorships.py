"""HR's operations on one running pair: read where it is (the workflow's
snapshot and the check-in answers in the store), pause, resume, end early,
send a person's last email again, mark an at-risk flag followed up.

HR acts as ``hr`` through the same validated workflow updates the
participants' pages use, so the same rules hold (a closed pair cannot be
paused, a reason is required to end one)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from mentorflow.audit import AuditAction
from mentorflow.hr import workflow_calls
from mentorflow.hr.audited import Actor, audited
from mentorflow.hr.errors import HrError, InvalidInput, NotFound, Refused
from mentorflow.mail.resend import ResendEmail, copy_of, resend_key, resend_workflow_id
from mentorflow.models import (
    ActionReceipt,
    EmailRequest,
    EndRequest,
    MentorshipSnapshot,
    PauseRequest,
    ResumeRequest,
)
from mentorflow.pairs.models import FollowUpReceipt, ResendReceipt
from mentorflow.store.mentorships import get_mentorship
from mentorflow.store.pairs import follow_up_of, pair_rows
from mentorflow.store.schema import AtRiskFollowUp, CheckIn, Mentorship, OutboxMessage

#: Who HR is in a pair's updates and history.
HR = "hr"

#: A follow-up note is a line or two, not a case file.
FOLLOW_UP_NOTE_MAX = 2000


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


async def resend_last_email(
    sessions: sessionmaker[Session],
    client: Client,
    task_queue: str,
    mentorship_id: str,
    employee_id: str,
    *,
    actor: Actor,
    message: int | None = None,
) -> ResendReceipt:
    """Sends ``employee_id``'s most recent email of this pair again: a copy
    of its request under a new idempotency key, through the email activity
    (``ResendEmailWorkflow``), so the outbox's one-send rule holds for it.

    ``message`` names the outbox row the person saw as "the last email" (the
    console's form carries it): posting twice asks for the same copy, and
    the second post sends nothing."""
    async with audited(sessions, actor, AuditAction.RESEND, mentorship_id, to=employee_id) as audit:
        source = _email_to_resend(sessions, mentorship_id, employee_id, message)
        key = resend_key(mentorship_id, source.id)
        audit.detail |= {"template": source.template, "source": source.id, "key": key}
        assert source.request is not None
        copy = copy_of(EmailRequest.model_validate(source.request), key, source.sent_at)
        already = False
        try:
            await client.start_workflow(
                "ResendEmailWorkflow",
                ResendEmail(request=copy),
                id=resend_workflow_id(key),
                task_queue=task_queue,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            already = True
        except RPCError as exc:
            raise HrError(f"the email could not be queued: {exc.message}") from exc
        audit.detail["already_requested"] = already
        to = copy.to.name or copy.to.email
        return ResendReceipt(
            message=(
                f"The {source.template.replace('_', ' ')} email to {to} was already sent again."
                if already
                else f"The {source.template.replace('_', ' ')} email is on its way to {to} again."
            ),
            to=copy.to.email,
            template=source.template,
            idempotency_key=key,
            already_requested=already,
        )


def _email_to_resend(
    sessions: sessionmaker[Session], mentorship_id: str, employee_id: str, message: int | None
) -> OutboxMessage:
    with sessions() as session:
        mentorship = session.get(Mentorship, mentorship_id)
        if mentorship is None:
            raise NotFound(_missing(mentorship_id))
        if employee_id not in (mentorship.mentor_id, mentorship.mentee_id):
            raise NotFound(f"{employee_id!r} is not in the pair {mentorship_id!r}")
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.mentorship_id == mentorship_id)
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        ).all()
        theirs = [
            r for r in rows if ((r.request or {}).get("to") or {}).get("employee_id") == employee_id
        ]
        if message is not None:
            theirs = [r for r in theirs if r.id == message]
        if not theirs:
            raise Refused(f"no email of this pair was sent to {employee_id!r}: nothing to resend")
        source = theirs[0]
        session.expunge(source)
        return source


async def follow_up(
    sessions: sessionmaker[Session], mentorship_id: str, note: str = "", *, actor: Actor
) -> FollowUpReceipt:
    """Records that HR followed up the pair's current at-risk flag. One
    follow-up a flag: the pair's next streak is a new flag."""
    note = note.strip()
    async with audited(sessions, actor, AuditAction.FOLLOW_UP, mentorship_id, note=note[:500]):
        if len(note) > FOLLOW_UP_NOTE_MAX:
            raise InvalidInput(f"the note is longer than {FOLLOW_UP_NOTE_MAX} characters")
        with sessions.begin() as session:
            if session.get(Mentorship, mentorship_id, with_for_update=True) is None:
                raise NotFound(_missing(mentorship_id))
            (row,) = pair_rows(session, mentorship_id=mentorship_id)
            if row.at_risk is None:
                raise Refused("this pair is not at risk: there is no flag to follow up")
            if row.at_risk.followed_up is not None:
                done = row.at_risk.followed_up
                raise Refused(
                    f"this flag was followed up already by {done.by} "
                    f"at {done.at:%Y-%m-%d %H:%M} UTC"
                )
            stored = AtRiskFollowUp(
                mentorship_id=mentorship_id,
                flag_checkin=row.at_risk.flag_checkin,
                by=actor.who,
                at=datetime.now(UTC),
                note=note,
            )
            session.add(stored)
            session.flush()
            done = follow_up_of(stored)
        return FollowUpReceipt(message="The at-risk flag is marked as followed up.", follow_up=done)
