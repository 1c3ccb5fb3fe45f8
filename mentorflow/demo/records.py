"""What the demo reads from the store (the read model HR's tools read too):
the directory, where each application is, the latest matching proposal, and
the cohort report. Every call is synchronous: run it in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.applications.csv_import import ImportReport as ApplicationsReport
from mentorflow.applications.csv_import import check_people, open_cohort, parse_applications
from mentorflow.cohorts.states import ApplicationStatus, CohortStatus, InvitationStatus
from mentorflow.demo.stories import Colleague
from mentorflow.directory import ImportReport, import_directory
from mentorflow.matching import MatchingResult
from mentorflow.models import Role
from mentorflow.program import ProgramConfig
from mentorflow.report import CohortReport, build_report
from mentorflow.store import alumni, cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import AlumniInvitation, Application, Cohort, Person


@dataclass(frozen=True)
class ApplicationState:
    employee_id: str
    status: ApplicationStatus
    reason: str


class DemoRecords:
    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def import_directory(self, path: Path) -> ImportReport:
        with self.sessions.begin() as session:
            return import_directory(session, path)

    def create_cohort(
        self, name: str, program: ProgramConfig, opens_at: datetime, closes_at: datetime
    ) -> bool:
        """As ``cohort launch`` does: the row exists before the workflow runs,
        so applications can be imported straight away."""
        with self.sessions.begin() as session:
            _cohort, created = cohorts.create_cohort(
                session, name, program, opens_at=opens_at, closes_at=closes_at
            )
            return created

    def checked_applications(
        self, cohort: str, path: Path
    ) -> tuple[ProgramConfig, ApplicationsReport]:
        """As ``cohort applications import`` does: the cohort's stored program
        and the file's rows, checked against the directory."""
        with self.sessions() as session:
            program = open_cohort(session, cohort)
            report = parse_applications(path, program.default_mentor_capacity)
            check_people(session, report)
            return program, report

    def colleagues(self) -> tuple[dict[str, Colleague], dict[str, str]]:
        """Everyone active in the directory, and each person's manager."""
        with self.sessions() as session:
            people = session.scalars(select(Person).where(Person.active)).all()
            found = {
                p.employee_id: Colleague(
                    employee_id=p.employee_id,
                    name=p.name,
                    email=p.email,
                    timezone=p.timezone or "UTC",
                    title=p.title,
                )
                for p in people
            }
            managers = {p.employee_id: p.manager_id for p in people if p.manager_id}
            return found, managers

    def applications(self, cohort: str) -> dict[str, ApplicationState]:
        """Where each applicant is (one state a person: the rows of someone
        applying as both mentor and mentee move together)."""
        with self.sessions() as session:
            rows = session.scalars(
                select(Application).where(Application.cohort == cohort).order_by(Application.id)
            ).all()
            return {
                row.employee_id: ApplicationState(
                    row.employee_id, ApplicationStatus(row.status), row.status_reason
                )
                for row in rows
            }

    def mentee_goals(self, cohort: str) -> dict[str, str]:
        with self.sessions() as session:
            rows = session.scalars(
                select(Application).where(
                    Application.cohort == cohort, Application.role == Role.MENTEE.value
                )
            ).all()
            return {row.employee_id: row.goals for row in rows}

    def proposal(self, cohort: str) -> MatchingResult | None:
        with self.sessions() as session:
            run = cohorts.latest_matching_run(session, cohort)
            return MatchingResult.model_validate(run.result) if run else None

    def close_earlier_cohorts(self, prefix: str, cohort: str) -> int:
        """Earlier demo cohorts whose workflows were stopped stay open in the
        store, and so do their invitations to mentor; close them, so that
        nobody is admitted to a dead cohort or left out for a dead invitation.
        Returns how many cohorts were still open."""
        with self.sessions.begin() as session:
            earlier = session.scalars(
                select(Cohort).where(
                    Cohort.name.startswith(f"{prefix}-", autoescape=True), Cohort.name != cohort
                )
            ).all()
            now = datetime.now(UTC)
            still_open = [c.name for c in earlier if c.status != CohortStatus.CLOSED.value]
            for name in still_open:
                cohorts.set_cohort_status(session, name, CohortStatus.CLOSED)
            for earlier_cohort in earlier:
                for invitation in alumni.list_invitations(session, earlier_cohort.name):
                    alumni.set_invitation_status(
                        session, invitation.workflow_id, InvitationStatus.EXPIRED, now
                    )
            return len(still_open)

    def invitations(self, cohort: str) -> dict[str, str]:
        """Graduates of ``cohort`` invited to mentor, and where each invitation is."""
        with self.sessions() as session:
            rows = session.scalars(
                select(AlumniInvitation).where(AlumniInvitation.cohort == cohort)
            ).all()
            return {row.employee_id: row.status for row in rows}

    def report(self, cohort: str) -> CohortReport:
        with self.sessions() as session:
            return build_report(session, cohort, datetime.now(UTC))
