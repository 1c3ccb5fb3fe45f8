"""Who a directory change touches, read in the sync's own transaction: the
leavers' open applications and running mentorships, the new contact details
of people in running pairs, and the running pairs that a manager change put
inside one reporting line. The sync workflow then acts on each."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from mentorflow.applications.models import application_workflow_id
from mentorflow.cohorts.states import ApplicationStatus
from mentorflow.directory import chain_of
from mentorflow.hris.diff import DirectoryDiff, DirectoryRecord
from mentorflow.hris.models import (
    ContactChange,
    Leaver,
    LeaverMentorship,
    ReportingLineAlert,
)
from mentorflow.models import Participant, Role
from mentorflow.store.schema import Application, Cohort, Mentorship

#: Applications a leaver still has under way (matched ones live on as mentorships).
OPEN_APPLICATION = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ELIGIBLE,
    ApplicationStatus.AWAITING_MANAGER,
    ApplicationStatus.APPROVED,
)
#: The fields a running mentorship mails and schedules with.
CONTACT_FIELDS = ("email", "name", "timezone")


def _running(session: Session, employee_ids: Iterable[str]) -> list[Mentorship]:
    ids = sorted(set(employee_ids))
    if not ids:
        return []
    return list(
        session.scalars(
            select(Mentorship)
            .where(Mentorship.outcome.is_(None))
            .where(or_(Mentorship.mentor_id.in_(ids), Mentorship.mentee_id.in_(ids)))
            .order_by(Mentorship.id)
        )
    )


def leavers_with_ties(
    session: Session, leaver_ids: list[str], held: Mapping[str, DirectoryRecord]
) -> list[Leaver]:
    """Each leaver with their open applications and running mentorships."""
    leavers = {i: Leaver(employee_id=i, name=held[i].name) for i in leaver_ids}
    if not leavers:
        return []
    applications = session.execute(
        select(Application.cohort, Application.employee_id)
        .where(Application.employee_id.in_(sorted(leavers)))
        .where(Application.status.in_([s.value for s in OPEN_APPLICATION]))
        .distinct()
        .order_by(Application.cohort, Application.employee_id)
    )
    for cohort, employee_id in applications:
        leavers[employee_id].open_applications.append(application_workflow_id(cohort, employee_id))
    for mentorship in _running(session, leavers):
        for leaver_id, role, partner in (
            (mentorship.mentor_id, Role.MENTOR, mentorship.mentee_id),
            (mentorship.mentee_id, Role.MENTEE, mentorship.mentor_id),
        ):
            if leaver_id in leavers:
                leavers[leaver_id].mentorships.append(
                    LeaverMentorship(
                        mentorship_id=mentorship.id,
                        cohort=mentorship.cohort,
                        program_name=str(mentorship.program.get("program_name", "")),
                        role=role,
                        partner_id=partner,
                    )
                )
    return [leavers[i] for i in leaver_ids]


def contact_changes(
    session: Session, diff: DirectoryDiff, incoming: Mapping[str, DirectoryRecord]
) -> list[ContactChange]:
    """People in running mentorships whose email, name or time zone changed."""
    changed = [
        move.employee_id
        for move in diff.updates
        if any(name in move.changes for name in CONTACT_FIELDS)
    ]
    pairs: dict[str, list[str]] = {}
    for mentorship in _running(session, changed):
        for member in (mentorship.mentor_id, mentorship.mentee_id):
            if member in changed:
                pairs.setdefault(member, []).append(mentorship.id)
    return [
        ContactChange(
            participant=Participant(
                employee_id=employee_id,
                email=incoming[employee_id].email,
                name=incoming[employee_id].name,
                timezone=incoming[employee_id].timezone or "UTC",
            ),
            mentorship_ids=pairs[employee_id],
        )
        for employee_id in sorted(pairs)
    ]


def _line(managers: Mapping[str, str | None], mentor: str, mentee: str) -> str | None:
    """Who reports to whom when the two share a reporting line, else None."""
    for junior, senior in ((mentee, mentor), (mentor, mentee)):
        chain = chain_of(managers, junior)
        if senior in chain:
            between = chain[: chain.index(senior)]
            through = f" (through {', '.join(between)})" if between else ""
            return f"{junior} now reports to {senior}{through}"
    return None


def new_reporting_lines(
    session: Session,
    before: Mapping[str, str | None],
    after: Mapping[str, str | None],
) -> list[ReportingLineAlert]:
    """Running pairs inside one reporting line now but not before the sync."""
    if dict(before) == dict(after):
        return []
    alerts: list[ReportingLineAlert] = []
    running = session.scalars(
        select(Mentorship).where(Mentorship.outcome.is_(None)).order_by(Mentorship.id)
    )
    for mentorship in running:
        detail = _line(after, mentorship.mentor_id, mentorship.mentee_id)
        if detail is None or _line(before, mentorship.mentor_id, mentorship.mentee_id):
            continue
        alerts.append(
            ReportingLineAlert(
                mentorship_id=mentorship.id,
                cohort=mentorship.cohort,
                program_name=str(mentorship.program.get("program_name", "")),
                program_manager_email=str(mentorship.program.get("program_manager_email", "")),
                mentor=mentorship.mentor.participant(),
                mentee=mentorship.mentee.participant(),
                detail=detail,
            )
        )
    return alerts


def program_managers(session: Session) -> list[str]:
    """Program managers of every cohort not yet closed, for sync alerts."""
    programs = session.scalars(select(Cohort.program).where(Cohort.status != "closed"))
    return sorted({str(p.get("program_manager_email")) for p in programs} - {"None", ""})
