"""Whom a closing cohort invites to mentor the next one, and the invitation
rows, against the real store (SQLite and PostgreSQL). The helpers that build a
graduated cohort are shared with the workflow and page tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from mentorflow.alumni.models import InvitationReason, alumni_workflow_id
from mentorflow.cohorts.states import (
    ApplicationSource,
    ApplicationStatus,
    CohortStatus,
    InvitationStatus,
    PendingReason,
)
from mentorflow.directory import import_directory
from mentorflow.models import (
    AlumniPromise,
    MentorshipRecord,
    MentorshipResult,
    Outcome,
    Participant,
    Phase,
    Role,
    StatusRecord,
    SurveyAnswer,
    SurveyAnswerRecord,
    SurveyKind,
    WouldMentor,
    mentorship_workflow_id,
)
from mentorflow.program import AlumniInvitations, ProgramConfig
from mentorflow.store import alumni, cohorts, mentorships, pending
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import Person

GRADUATED = "2026-spring"
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
DIRECTORY = """employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level
M1,maria.mentor@example.com,Maria Mentor,Staff Engineer,Platform,,Berlin,Europe/Berlin,2014-02-01,L6
G1,gil.graduate@example.com,Gil Graduate,Engineer,Platform,M1,Lisbon,Europe/Lisbon,2021-05-03,L3
G2,hana.happy@example.com,Hana Happy,Engineer,Payments,M1,Berlin,Europe/Berlin,2020-09-01,L4
G3,ivo.idle@example.com,Ivo Idle,Engineer,Payments,M1,Berlin,Europe/Berlin,2022-01-10,L3
G4,jo.keen@example.com,Jo Keen,Senior Engineer,Platform,M1,Lisbon,Europe/Lisbon,2019-04-01,L5
G5,kai.left@example.com,Kai Left,Engineer,Platform,M1,Berlin,Europe/Berlin,2021-01-04,L3
G6,lea.early@example.com,Lea Early,Engineer,Platform,M1,Berlin,Europe/Berlin,2021-01-04,L3
G7,max.quiet@example.com,Max Quiet,Engineer,Platform,M1,Berlin,Europe/Berlin,2021-01-04,L3
"""


def program(name: str = "Engineering Mentoring", **alumni_settings: object) -> ProgramConfig:
    return ProgramConfig(
        name=name,
        program_manager_email="programs@example.com",
        alumni=AlumniInvitations.model_validate(
            {
                "reminder_after": "P7D",
                "expires_after": "P21D",
                "ask_again_after": "P180D",
                "default_capacity": 2,
                **alumni_settings,
            }
        ),
    )


@contextmanager
def transaction(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def add_directory(session: Session) -> None:
    assert not import_directory(session, DIRECTORY).errors


def add_cohort(
    session: Session,
    name: str,
    config: ProgramConfig,
    status: CohortStatus = CohortStatus.CLOSED,
    opens_at: datetime = NOW - timedelta(days=200),
) -> None:
    cohorts.create_cohort(
        session, name, config, opens_at=opens_at, closes_at=opens_at + timedelta(days=14)
    )
    if status is not CohortStatus.OPEN:
        cohorts.set_cohort_status(session, name, status)


def participant(session: Session, employee_id: str) -> Participant:
    person = session.get(Person, employee_id)
    assert person is not None
    return Participant(
        employee_id=person.employee_id,
        email=person.email,
        name=person.name,
        timezone=person.timezone,
    )


def graduate(
    session: Session,
    cohort: str,
    mentee: str,
    *,
    would_mentor: WouldMentor | None,
    mean_value: float | None,
    outcome: Outcome = Outcome.GRADUATED,
    mentor: str = "M1",
    expertise: str = "",
    languages: tuple[str, ...] = (),
) -> str:
    """A finished mentorship of ``cohort`` as the workflows record it: the
    mentee's application, the start, the final survey and the outcome."""
    config = cohorts.cohort_program(cohorts.get_cohort(session, cohort))  # type: ignore[arg-type]
    mentorship_id = mentorship_workflow_id(cohort, mentor, mentee)
    started = NOW - timedelta(days=190)
    cohorts.upsert_application(
        session,
        cohorts.NewApplication(
            cohort=cohort,
            employee_id=mentee,
            role=Role.MENTEE,
            goals="Lead a design review",
            expertise=expertise,
            languages=list(languages),
            source=ApplicationSource.CSV,
        ),
    )
    mentorships.record_mentorship_started(
        session,
        MentorshipRecord(
            mentorship_id=mentorship_id,
            cohort=cohort,
            program=config.mentorship_settings(),
            mentor=participant(session, mentor),
            mentee=participant(session, mentee),
            started_at=started,
        ),
    )
    if would_mentor is not None:
        mentorships.record_survey_answer(
            session,
            SurveyAnswerRecord(
                mentorship_id=mentorship_id,
                role=Role.MENTEE,
                answer=SurveyAnswer(
                    by=mentee, kind=SurveyKind.FINAL, rating=5, would_mentor=would_mentor
                ),
                submitted_at=NOW - timedelta(days=10),
            ),
        )
    mentorships.record_status(
        session,
        StatusRecord(
            mentorship_id=mentorship_id,
            phase=Phase.CLOSED,
            outcome=outcome,
            at=NOW - timedelta(days=5),
            result=MentorshipResult(
                mentorship_id=mentorship_id, outcome=outcome, mean_value=mean_value
            ),
        ),
    )
    return mentorship_id


def graduated_cohort(session: Session, config: ProgramConfig) -> None:
    """``GRADUATED``: who said what, and how it went."""
    add_directory(session)
    add_cohort(session, GRADUATED, config)
    graduate(session, GRADUATED, "G1", would_mentor=WouldMentor.YES, mean_value=3.0)
    graduate(session, GRADUATED, "G2", would_mentor=WouldMentor.MAYBE, mean_value=4.5)
    graduate(session, GRADUATED, "G3", would_mentor=WouldMentor.NO, mean_value=3.5)
    graduate(
        session,
        GRADUATED,
        "G4",
        would_mentor=WouldMentor.YES,
        mean_value=4.8,
        expertise="Incident reviews, on-call",
        languages=("English", "Portuguese"),
    )
    graduate(session, GRADUATED, "G5", would_mentor=WouldMentor.YES, mean_value=5.0)
    session.get(Person, "G5").active = False  # type: ignore[union-attr]
    graduate(
        session,
        GRADUATED,
        "G6",
        would_mentor=WouldMentor.YES,
        mean_value=5.0,
        outcome=Outcome.ENDED_EARLY,
    )
    graduate(session, GRADUATED, "G7", would_mentor=None, mean_value=None)


def candidates(
    session: Session, cohort: str = GRADUATED, now: datetime = NOW
) -> dict[str, list[InvitationReason]]:
    config = cohorts.cohort_program(cohorts.get_cohort(session, cohort))  # type: ignore[arg-type]
    found = alumni.alumni_candidates(
        session, cohort, config.program_name, config.alumni.min_value_rating, now
    )
    return {c.alumnus.employee_id: c.reasons for c in found}


def mentees(session: Session, now: datetime = NOW) -> set[str]:
    """The graduated mentees invited (M1, who mentored every pair, is invited
    as well: ``test_graduated_mentors_are_invited_to_mentor_again``)."""
    return set(candidates(session, now=now)) - {"M1"}


# --------------------------------------------------------------------------- tests


def test_graduates_who_said_yes_or_whose_mentorship_went_well(db_url: str) -> None:
    with transaction(db_url) as session:
        graduated_cohort(session, program())
        assert candidates(session) == {
            "G1": [InvitationReason.SAID_YES],  # said yes, an average 3.0
            "G2": [InvitationReason.WENT_WELL],  # said maybe, an average 4.5
            "G4": [InvitationReason.SAID_YES, InvitationReason.WENT_WELL],
            "M1": [InvitationReason.MENTORED],  # mentored the graduated pairs
        }
        # G3 said no and rated 3.5; G5 left; G6 ended early; G7 said nothing.
        jo = next(
            c
            for c in alumni.alumni_candidates(session, GRADUATED, "Engineering Mentoring", 4, NOW)
            if c.alumnus.employee_id == "G4"
        )
        assert jo.mean_value == 4.8
        assert jo.expertise == "Incident reviews, on-call"
        assert jo.languages == ["English", "Portuguese"]
        assert jo.alumnus.email == "jo.keen@example.com"


def test_the_programs_bar_decides_what_went_well(db_url: str) -> None:
    with transaction(db_url) as session:
        graduated_cohort(session, program(min_value_rating=3.5))
        assert candidates(session) == {
            "G1": [InvitationReason.SAID_YES],
            "G2": [InvitationReason.WENT_WELL],
            "G3": [InvitationReason.WENT_WELL],  # 3.5 reaches this program's bar
            "G4": [InvitationReason.SAID_YES, InvitationReason.WENT_WELL],
            "M1": [InvitationReason.MENTORED],
        }


def test_people_asked_recently_or_already_on_their_way_are_left_out(db_url: str) -> None:
    other_program = program("Sales Mentoring")
    with transaction(db_url) as session:
        graduated_cohort(session, program())
        add_cohort(session, "2025-autumn", program())
        add_cohort(session, "sales-2026", other_program)

        def invitation(
            employee: str, cohort: str, config: ProgramConfig, sent: timedelta = timedelta(days=100)
        ) -> str:
            """An invitation sent ``sent`` ago, open for three weeks."""
            workflow_id = alumni_workflow_id(employee, cohort)
            alumni.record_invitation(
                session,
                workflow_id=workflow_id,
                employee_id=employee,
                program_name=config.program_name,
                cohort=cohort,
                invited_at=NOW - sent,
                expires_at=NOW - sent + timedelta(days=21),
            )
            return workflow_id

        # G1 declined this program three months ago: not before the autumn.
        declined = invitation("G1", "2025-autumn", program())
        alumni.set_invitation_status(
            session,
            declined,
            InvitationStatus.DECLINED,
            NOW - timedelta(days=90),
            ask_again_after=NOW + timedelta(days=90),
        )
        # G2 declined another program: that says nothing about this one.
        sales = invitation("G2", "sales-2026", other_program)
        alumni.set_invitation_status(
            session,
            sales,
            InvitationStatus.DECLINED,
            NOW - timedelta(days=90),
            ask_again_after=NOW + timedelta(days=90),
        )
        assert candidates(session) == {
            "G2": [InvitationReason.WENT_WELL],
            "G4": [InvitationReason.SAID_YES, InvitationReason.WENT_WELL],
            "M1": [InvitationReason.MENTORED],
        }
        # Once the pause is over, G1 is asked again.
        later = NOW + timedelta(days=91)
        assert "G1" in candidates(session, now=later)

        # G4 accepted an invitation and waits for the next cohort (held).
        pending.hold_application(
            session,
            key="alumni:G4:2025-autumn",
            program_name="Engineering Mentoring",
            employee_id="G4",
            role=Role.MENTOR,
            reason=PendingReason.ALUMNI,
            details={"roles": ["mentor"], "capacity": 1, "source": "alumni"},
            note="",
            now=NOW,
        )
        assert mentees(session) == {"G2"}
        # Admitted to a cohort, the held row no longer counts; the mentor
        # application it became does while it is open.
        add_cohort(session, "2026-autumn", program(), status=CohortStatus.OPEN, opens_at=NOW)
        pending.mark_admitted(session, "alumni:G4:2025-autumn", "2026-autumn", NOW)
        cohorts.upsert_application(
            session,
            cohorts.NewApplication(
                cohort="2026-autumn",
                employee_id="G4",
                role=Role.MENTOR,
                capacity=1,
                expertise="Incident reviews",
                source=ApplicationSource.ALUMNI,
            ),
        )
        cohorts.set_application_status(
            session, "2026-autumn", "G4", Role.MENTOR, ApplicationStatus.APPROVED
        )
        assert mentees(session) == {"G2"}
        cohorts.set_application_status(
            session, "2026-autumn", "G4", Role.MENTOR, ApplicationStatus.WITHDRAWN
        )
        assert mentees(session) == {"G2", "G4"}

        # An invitation of another cohort still open: one question at a time;
        # this cohort's own invitation stays in (starting it again is a no-op).
        invitation("G2", "2025-autumn", program(), sent=timedelta(days=2))
        own = invitation("G4", GRADUATED, program(), sent=timedelta(days=2))
        assert mentees(session) == {"G4"}
        alumni.set_invitation_status(session, own, InvitationStatus.REMINDED, NOW)
        assert mentees(session) == {"G4"}
        # Past its expiry an invitation is not open, even when its row still
        # says "invited" (its workflow was stopped before it could say more).
        assert mentees(session, now=NOW + timedelta(days=20)) == {"G2", "G4"}


def test_graduated_mentors_are_invited_to_mentor_again(db_url: str) -> None:
    """The graduation email tells a mentor they will be invited to mentor
    again: the closing cohort invites every mentor of a graduated pair, with
    their mentor application as the prefill, and only them."""
    with transaction(db_url) as session:
        add_directory(session)
        add_cohort(session, GRADUATED, program())
        cohorts.upsert_application(
            session,
            cohorts.NewApplication(
                cohort=GRADUATED,
                employee_id="M1",
                role=Role.MENTOR,
                capacity=2,
                expertise="Distributed systems, hiring",
                languages=["English", "German"],
                source=ApplicationSource.CSV,
            ),
        )
        # M1 mentored G3 to graduation (G3 said no and rated 3.0: not invited);
        # G6 mentored G7 but that pair ended early.
        graduate(session, GRADUATED, "G3", would_mentor=WouldMentor.NO, mean_value=3.0)
        graduate(
            session,
            GRADUATED,
            "G7",
            would_mentor=None,
            mean_value=None,
            mentor="G6",
            outcome=Outcome.ENDED_EARLY,
        )
        config = program()
        (mentor,) = alumni.alumni_candidates(
            session, GRADUATED, config.program_name, config.alumni.min_value_rating, NOW
        )
        assert mentor.alumnus.employee_id == "M1"
        assert mentor.reasons == [InvitationReason.MENTORED]
        assert mentor.mean_value is None, "the mentee's rating is not the mentor's"
        assert mentor.expertise == "Distributed systems, hiring"
        assert mentor.languages == ["English", "German"]
        # A mentor who left since is not invited.
        session.get(Person, "M1").active = False  # type: ignore[union-attr]
        assert candidates(session) == {}


@pytest.mark.parametrize("bar", [3.5, 4.0])
def test_the_graduation_email_promises_exactly_whom_the_cohort_invites(
    db_url: str, bar: float
) -> None:
    """``AlumniPromise`` (what the graduation email says) and
    ``alumni_candidates`` (whom the closing cohort invites) follow one rule."""
    with transaction(db_url) as session:
        graduated_cohort(session, program(min_value_rating=bar))
        invited = set(candidates(session))
        promise = AlumniPromise(min_value_rating=bar)
        graduates = {
            "G1": (WouldMentor.YES, 3.0),
            "G2": (WouldMentor.MAYBE, 4.5),
            "G3": (WouldMentor.NO, 3.5),
            "G4": (WouldMentor.YES, 4.8),
            "G7": (None, None),
        }
        for employee_id, (would_mentor, mean) in graduates.items():
            promised = promise.invites(Role.MENTEE, would_mentor, mean)
            assert promised == (employee_id in invited), employee_id
        assert promise.invites(Role.MENTOR, None, None) and "M1" in invited
        assert not AlumniPromise(enabled=False).invites(Role.MENTOR, None, None)


def test_a_mentor_application_in_a_cancelled_cohort_does_not_count(db_url: str) -> None:
    with transaction(db_url) as session:
        graduated_cohort(session, program())
        add_cohort(session, "2026-autumn", program(), status=CohortStatus.OPEN, opens_at=NOW)
        cohorts.upsert_application(
            session,
            cohorts.NewApplication(
                cohort="2026-autumn",
                employee_id="G4",
                role=Role.MENTOR,
                capacity=1,
                source=ApplicationSource.CSV,
            ),
        )
        cohorts.set_application_status(
            session, "2026-autumn", "G4", Role.MENTOR, ApplicationStatus.APPROVED
        )
        assert "G4" not in candidates(session)
        cohorts.set_cohort_status(session, "2026-autumn", CohortStatus.CLOSED)
        assert "G4" in candidates(session)


def test_invitation_rows_move_forward_only(db_url: str) -> None:
    workflow_id = alumni_workflow_id("G1", GRADUATED)
    row = {
        "workflow_id": workflow_id,
        "employee_id": "G1",
        "program_name": "Engineering Mentoring",
        "cohort": GRADUATED,
        "invited_at": NOW,
        "expires_at": NOW + timedelta(days=21),
    }
    with transaction(db_url) as session:
        add_directory(session)
        add_cohort(session, GRADUATED, program())
        assert alumni.record_invitation(session, **row) is True
        assert alumni.record_invitation(session, **row) is False  # a retry
        reminded = NOW + timedelta(days=7)
        assert alumni.set_invitation_status(
            session, workflow_id, InvitationStatus.REMINDED, reminded
        )
        answered = NOW + timedelta(days=8)
        again = answered + timedelta(days=180)
        assert alumni.set_invitation_status(
            session, workflow_id, InvitationStatus.DECLINED, answered, again
        )
        # A late retry of the reminder, or a second verdict, changes nothing.
        assert not alumni.set_invitation_status(
            session, workflow_id, InvitationStatus.REMINDED, reminded
        )
        assert not alumni.set_invitation_status(
            session, workflow_id, InvitationStatus.EXPIRED, NOW + timedelta(days=21)
        )
    with transaction(db_url) as session:
        stored = alumni.get_invitation(session, workflow_id)
        assert stored is not None
        assert stored.status == InvitationStatus.DECLINED.value
        assert stored.answered_at == answered and stored.ask_again_after == again
        assert [i.workflow_id for i in alumni.list_invitations(session, GRADUATED)] == [workflow_id]
