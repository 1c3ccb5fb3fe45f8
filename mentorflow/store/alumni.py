"""Alumni invitations: the rows AlumniInvitationWorkflow's activities write, and
the choice of whom a closing cohort invites to mentor in the next one.

A candidate is a mentee of the cohort whose mentorship graduated and who
either said "yes" to "would you mentor others?" in the final survey, or whose
meetings' mean value rating reached the program's bar; and every mentor of a
graduated pair, invited to mentor again (their graduation email says so,
``AlumniPromise``). Left out: people no
longer in the directory, anyone who declined an invitation to this program
recently (``ask_again_after`` still ahead), anyone with another invitation to
the program still open, and anyone already on their way to mentoring in it (a
held mentor application, or an open one in one of its cohorts).

Functions take a ``Session`` inside the caller's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from mentorflow.alumni.models import InvitationReason, alumni_workflow_id
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus, InvitationStatus
from mentorflow.models import Outcome, Participant, Role, SurveyKind, WouldMentor
from mentorflow.store.inserts import insert_for, inserted
from mentorflow.store.schema import (
    AlumniInvitation,
    Application,
    Cohort,
    Mentorship,
    PendingApplication,
    Person,
    SurveyResponse,
)

#: Invitations that still wait for an answer.
OPEN_INVITATIONS = (InvitationStatus.INVITED.value, InvitationStatus.REMINDED.value)
#: Where an invitation can go from each status; a late retry of an older
#: status (a reminder recorded after the answer) must not undo the answer.
_LATER = {
    InvitationStatus.INVITED: frozenset(InvitationStatus) - {InvitationStatus.INVITED},
    InvitationStatus.REMINDED: frozenset(
        {InvitationStatus.ACCEPTED, InvitationStatus.DECLINED, InvitationStatus.EXPIRED}
    ),
}
#: A mentor application in one of these is still on its way to a match.
_OPEN_APPLICATIONS = tuple(
    s.value
    for s in (
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.ELIGIBLE,
        ApplicationStatus.AWAITING_MANAGER,
        ApplicationStatus.APPROVED,
    )
)


# --------------------------------------------------------------------------- invitations


def record_invitation(
    session: Session,
    *,
    workflow_id: str,
    employee_id: str,
    program_name: str,
    cohort: str,
    invited_at: datetime,
    expires_at: datetime,
) -> bool:
    """Records an invitation as sent; False when it was there (a retry).
    Recorded again once its email went out, with the expiry counted from then:
    an expiry only ever moves later."""
    statement = (
        insert_for(session, AlumniInvitation)
        .values(
            workflow_id=workflow_id,
            employee_id=employee_id,
            program_name=program_name,
            cohort=cohort,
            status=InvitationStatus.INVITED.value,
            invited_at=invited_at,
            expires_at=expires_at,
        )
        .on_conflict_do_nothing(index_elements=[AlumniInvitation.workflow_id])
    )
    if inserted(session, statement):
        return True
    row = session.get(AlumniInvitation, workflow_id, with_for_update=True)
    if row is not None and _aware(row.expires_at) < expires_at:
        row.expires_at = expires_at
        session.flush()
    return False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite: naive UTC


def set_invitation_status(
    session: Session,
    workflow_id: str,
    status: InvitationStatus,
    at: datetime,
    ask_again_after: datetime | None = None,
) -> bool:
    """Moves the invitation on; False when it is there already or further on.
    An answer (accepted, declined) stamps ``answered_at``."""
    row = session.get(AlumniInvitation, workflow_id, with_for_update=True)
    if row is None:
        raise LookupError(f"no alumni invitation {workflow_id!r}")
    current = InvitationStatus(row.status)
    if status not in _LATER.get(current, frozenset()):
        return False
    row.status = status.value
    if status in (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED):
        row.answered_at = at
    if status is InvitationStatus.DECLINED:
        row.ask_again_after = ask_again_after
    session.flush()
    return True


def get_invitation(session: Session, workflow_id: str) -> AlumniInvitation | None:
    return session.get(AlumniInvitation, workflow_id)


def list_invitations(session: Session, cohort: str) -> Sequence[AlumniInvitation]:
    """The invitations sent to a cohort's graduates, by employee id."""
    return session.scalars(
        select(AlumniInvitation)
        .where(AlumniInvitation.cohort == cohort)
        .order_by(AlumniInvitation.employee_id)
    ).all()


# --------------------------------------------------------------------------- candidates


@dataclass
class AlumniCandidate:
    """A graduate to invite, with what the invitation says and prefills."""

    alumnus: Participant
    reasons: list[InvitationReason] = field(default_factory=list)
    mean_value: float | None = None
    expertise: str = ""
    languages: list[str] = field(default_factory=list)


def alumni_candidates(
    session: Session,
    cohort: str,
    program_name: str,
    min_value_rating: float,
    now: datetime,
) -> list[AlumniCandidate]:
    """Whom ``cohort`` invites to mentor in the program's next cohort, by employee id."""
    graduated = session.scalars(
        select(Mentorship)
        .where(Mentorship.cohort == cohort, Mentorship.outcome == Outcome.GRADUATED.value)
        .order_by(Mentorship.mentee_id, Mentorship.id)
        .options(selectinload(Mentorship.mentee), selectinload(Mentorship.mentor))
    ).all()
    said_yes = _said_yes(session, cohort)
    found: dict[str, AlumniCandidate] = {}
    for mentorship in graduated:
        mentee = mentorship.mentee
        candidate = found.setdefault(mentee.employee_id, AlumniCandidate(mentee.participant()))
        mean = (mentorship.result or {}).get("mean_value")
        if mean is not None and (candidate.mean_value is None or mean > candidate.mean_value):
            candidate.mean_value = float(mean)
        if mentorship.id in said_yes and InvitationReason.SAID_YES not in candidate.reasons:
            candidate.reasons.insert(0, InvitationReason.SAID_YES)
    for candidate in found.values():
        if candidate.mean_value is not None and candidate.mean_value >= min_value_rating:
            candidate.reasons.append(InvitationReason.WENT_WELL)
    for mentorship in graduated:
        mentor = mentorship.mentor
        candidate = found.setdefault(mentor.employee_id, AlumniCandidate(mentor.participant()))
        if InvitationReason.MENTORED not in candidate.reasons:
            candidate.reasons.append(InvitationReason.MENTORED)
    left_out = _not_to_ask(session, cohort, program_name, now)
    active = _active(session, list(found))
    chosen = [
        candidate
        for employee_id, candidate in sorted(found.items())
        if candidate.reasons and employee_id in active and employee_id not in left_out
    ]
    for candidate in chosen:
        _prefill(session, cohort, candidate)
    return chosen


def _active(session: Session, employee_ids: list[str]) -> set[str]:
    """Who is still in the directory (a graduate may have left since)."""
    if not employee_ids:
        return set()
    return set(
        session.scalars(
            select(Person.employee_id).where(Person.employee_id.in_(employee_ids), Person.active)
        )
    )


def _said_yes(session: Session, cohort: str) -> set[str]:
    """Mentorships of the cohort whose mentee would mentor others."""
    return set(
        session.scalars(
            select(SurveyResponse.mentorship_id)
            .join(Mentorship, Mentorship.id == SurveyResponse.mentorship_id)
            .where(
                Mentorship.cohort == cohort,
                SurveyResponse.kind == SurveyKind.FINAL.value,
                SurveyResponse.participant_id == Mentorship.mentee_id,
                SurveyResponse.would_mentor == WouldMentor.YES.value,
            )
        )
    )


def _not_to_ask(session: Session, cohort: str, program_name: str, now: datetime) -> set[str]:
    """Employee ids the program must not invite now."""
    declined = select(AlumniInvitation.employee_id).where(
        AlumniInvitation.program_name == program_name,
        AlumniInvitation.status == InvitationStatus.DECLINED.value,
        AlumniInvitation.ask_again_after > now,
    )
    # An invitation from another cohort still open: one question at a time.
    # (This cohort's own stays in: starting its workflow again is a no-op.)
    # An invitation past its expiry is not open, whatever its row says (its
    # workflow may have been stopped before it could record "expired").
    asked = select(AlumniInvitation.workflow_id, AlumniInvitation.employee_id).where(
        AlumniInvitation.program_name == program_name,
        AlumniInvitation.status.in_(OPEN_INVITATIONS),
        AlumniInvitation.expires_at > now,
    )
    held = select(PendingApplication.employee_id).where(
        PendingApplication.program_name == program_name,
        PendingApplication.role == Role.MENTOR.value,
        PendingApplication.admitted_cohort.is_(None),
    )
    applied = (
        select(Application.employee_id)
        .join(Cohort, Cohort.name == Application.cohort)
        .where(
            Cohort.program_name == program_name,
            Application.role == Role.MENTOR.value,
            Application.status.in_(_OPEN_APPLICATIONS),
            # A cohort closed before its matching (cancelled) takes nobody in.
            Cohort.status != CohortStatus.CLOSED.value,
        )
    )
    skip = set(session.scalars(declined)) | set(session.scalars(held))
    skip |= set(session.scalars(applied))
    for workflow_id, employee_id in session.execute(asked):
        if workflow_id != alumni_workflow_id(employee_id, cohort):
            skip.add(employee_id)
    return skip


def _prefill(session: Session, cohort: str, candidate: AlumniCandidate) -> None:
    """Expertise and languages from the application they came with, as a
    start: the mentor application of someone who mentored, else the mentee's."""
    role = Role.MENTOR if InvitationReason.MENTORED in candidate.reasons else Role.MENTEE
    application = session.scalar(
        select(Application).where(
            Application.cohort == cohort,
            Application.employee_id == candidate.alumnus.employee_id,
            Application.role == role.value,
        )
    )
    if application is not None:
        candidate.expertise = application.expertise
        candidate.languages = list(application.languages or [])
