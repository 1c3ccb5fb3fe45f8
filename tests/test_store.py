"""The mentorship read model and the store activities, on SQLite and PostgreSQL.

Every write may be retried by Temporal after it committed, so each test that
writes also writes again and checks that the store holds one row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.store import StoreActivities
from mentorflow import models
from mentorflow.notices.models import HrNoticeRecord, NoticeKind
from mentorflow.store import mentorships as store
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import (
    CheckIn,
    CheckInResponse,
    Goal,
    HrNotice,
    Mentorship,
    MentorshipEventRow,
    Milestone,
    Person,
    SurveyResponse,
)

BERLIN = ZoneInfo("Europe/Berlin")
TOKYO = ZoneInfo("Asia/Tokyo")
START = datetime(2025, 3, 3, 9, 0, tzinfo=BERLIN)

MENTOR = models.Participant(
    employee_id="e100", email="ada@example.com", name="Ada Lovelace", timezone="Europe/London"
)
MENTEE = models.Participant(
    employee_id="e200", email="grace@example.com", name="Grace Hopper", timezone="America/New_York"
)
PAIR_ID = models.mentorship_workflow_id("2025-spring", MENTOR.employee_id, MENTEE.employee_id)


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def started(mentorship_id: str = PAIR_ID, cohort: str = "2025-spring") -> models.MentorshipRecord:
    return models.MentorshipRecord(
        mentorship_id=mentorship_id,
        cohort=cohort,
        program=models.ProgramSettings(program_name="Engineering mentoring", cadence="monthly"),
        mentor=MENTOR,
        mentee=MENTEE,
        started_at=START,
    )


def goals(*titles: str) -> list[models.Goal]:
    return [
        models.Goal(
            title=title,
            description=f"why {title} matters",
            milestones=[
                models.Milestone(title=f"{title}: first step", target_date=date(2025, 4, 1)),
                models.Milestone(title=f"{title}: second step", target_date=date(2025, 6, 1)),
            ],
        )
        for title in titles
    ]


def opened(number: int = 1) -> models.CheckInOpened:
    opens = START + timedelta(weeks=4 * number)
    return models.CheckInOpened(
        mentorship_id=PAIR_ID,
        number=number,
        due_date=opens.date(),
        opens={MENTOR.employee_id: opens, MENTEE.employee_id: opens.astimezone(TOKYO)},
        closes={
            MENTOR.employee_id: opens + timedelta(days=3),
            MENTEE.employee_id: opens + timedelta(days=3),
        },
    )


def answer(
    by: str = MENTEE.employee_id,
    progress: dict[str, models.MilestoneStatus] | None = None,
    number: int = 1,
    at: datetime | None = None,
) -> models.CheckInAnswerRecord:
    return models.CheckInAnswerRecord(
        mentorship_id=PAIR_ID,
        answer=models.CheckInAnswer(
            by=by,
            number=number,
            met=models.MeetingStatus.YES,
            value=4,
            milestone_progress=progress or {},
            challenges="prioritising",
            wins="shipped the design doc",
        ),
        submitted_at=at or START + timedelta(weeks=4, hours=5),
    )


def count(session: Session, table: type) -> int:
    return session.scalar(select(func.count()).select_from(table)) or 0


def with_pair_and_goals(session: Session) -> None:
    store.record_mentorship_started(session, started())
    store.record_goals(
        session,
        models.GoalsRecord(
            mentorship_id=PAIR_ID,
            goals=goals("Public speaking", "System design"),
            agreed_at=START + timedelta(days=10),
            proposed_by=MENTEE.employee_id,
        ),
    )
    store.record_checkin_opened(session, opened())


# --------------------------------------------------------------------------- people and pairs


def test_mentorship_started_is_recorded_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert store.record_mentorship_started(session, started()) is True
    with sessions.begin() as session:
        assert store.record_mentorship_started(session, started()) is False
    with sessions() as session:
        assert count(session, Mentorship) == 1
        assert count(session, Person) == 2
        row = session.get(Mentorship, PAIR_ID)
        assert row is not None
        assert (row.mentor_id, row.mentee_id, row.phase) == ("e100", "e200", "introduction")
        program = models.ProgramSettings.model_validate(row.program)
        assert program.cadence_period == timedelta(weeks=4)
        assert program.program_name == "Engineering mentoring"


def test_upsert_person_keeps_directory_fields(sessions: sessionmaker[Session]) -> None:
    long_ago = datetime(2024, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        session.add(
            Person(
                employee_id="e100",
                email="old@example.com",
                name="Ada Lovelace",
                department="Research",
                title="Principal engineer",
                timezone="Europe/London",
                updated_at=long_ago,
            )
        )
    with sessions.begin() as session:
        store.upsert_person(session, MENTOR)
    with sessions() as session:
        person = session.get(Person, "e100")
        assert person is not None
        assert person.email == "ada@example.com"
        assert (person.department, person.title) == ("Research", "Principal engineer")
        refreshed_at = person.updated_at
        assert refreshed_at > long_ago
    with sessions.begin() as session:
        store.upsert_person(session, MENTOR)  # nothing changed: no write
    with sessions() as session:
        person = session.get(Person, "e100")
        assert person is not None
        assert person.updated_at == refreshed_at


# --------------------------------------------------------------------------- events


def test_event_is_recorded_once_per_step(sessions: sessionmaker[Session]) -> None:
    event = models.MentorshipEvent(
        mentorship_id=PAIR_ID,
        kind="introduction_confirmed",
        at=START + timedelta(hours=2),
        actor="e200",
        detail={"accept": True, "when": START},
    )
    with sessions.begin() as session:
        store.record_mentorship_started(session, started())
        assert store.record_event(session, event) is True
    with sessions.begin() as session:
        assert store.record_event(session, event) is False
        # Same moment, other person: a different step.
        assert store.record_event(session, event.model_copy(update={"actor": "e100"})) is True
    with sessions() as session:
        rows = store.list_events(session, PAIR_ID)
        assert [row.actor for row in rows] == ["e200", "e100"]
        assert rows[0].dedupe_key == (
            f"{PAIR_ID}|introduction_confirmed|2025-03-03T10:00:00+00:00|e200"
        )
        assert rows[0].detail == {"accept": True, "when": START.isoformat()}


def test_event_dedupe_key_is_deterministic_and_fits() -> None:
    at = datetime(2025, 5, 1, 12, tzinfo=UTC)
    event = models.MentorshipEvent(mentorship_id="m" * 380, kind="paused", at=at, actor="hr")
    key = store.event_dedupe_key(event)
    assert len(key) <= 400
    assert key == store.event_dedupe_key(event.model_copy(update={"at": at.astimezone(TOKYO)}))
    assert key != store.event_dedupe_key(event.model_copy(update={"actor": "e1"}))


def test_event_for_unrecorded_mentorship_is_missing(sessions: sessionmaker[Session]) -> None:
    event = models.MentorshipEvent(mentorship_id="mentorship:x:1:2", kind="paused", at=START)
    with sessions.begin() as session, pytest.raises(store.MissingRecord, match="not recorded"):
        store.record_event(session, event)


# --------------------------------------------------------------------------- goals


def test_agreed_goals_replace_the_proposal(sessions: sessionmaker[Session]) -> None:
    proposal = models.GoalsRecord(
        mentorship_id=PAIR_ID,
        goals=goals("Public speaking", "System design"),
        agreed_at=None,
        proposed_by=MENTEE.employee_id,
    )
    with sessions.begin() as session:
        store.record_mentorship_started(session, started())
        assert store.record_goals(session, proposal) is True
    with sessions() as session:
        stored = session.scalars(select(Goal).order_by(Goal.position)).all()
        assert [(g.title, g.agreed_at) for g in stored] == [
            ("Public speaking", None),
            ("System design", None),
        ]

    agreed = models.GoalsRecord(
        mentorship_id=PAIR_ID,
        goals=goals("Public speaking"),
        agreed_at=START + timedelta(days=9),
        proposed_by=MENTEE.employee_id,
    )
    with sessions.begin() as session:
        assert store.record_goals(session, agreed) is True
    with sessions() as session:
        ids = session.scalars(select(Milestone.id).order_by(Milestone.id)).all()
    with sessions.begin() as session:
        assert store.record_goals(session, agreed) is False  # a retry changes nothing
    with sessions() as session:
        pair = store.get_mentorship(session, PAIR_ID)
    assert pair is not None
    assert [g.title for g in pair.goals] == ["Public speaking"]
    assert pair.goals[0].agreed_at == START + timedelta(days=9)
    assert pair.goals[0].proposed_by == "e200"
    assert [m.title for m in pair.goals[0].milestones] == [
        "Public speaking: first step",
        "Public speaking: second step",
    ]
    with sessions() as session:
        assert session.scalars(select(Milestone.id).order_by(Milestone.id)).all() == ids
        assert count(session, Goal) == 1
        assert count(session, Milestone) == 2


# --------------------------------------------------------------------------- check-ins


def test_checkin_opened_once_with_utc_windows(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        store.record_mentorship_started(session, started())
        assert store.record_checkin_opened(session, opened()) is True
    with sessions.begin() as session:
        assert store.record_checkin_opened(session, opened()) is False
    with sessions() as session:
        checkin = session.scalars(select(CheckIn)).one()
    assert checkin.due_date == date(2025, 3, 31)
    # 09:00 Berlin summer time is 07:00 UTC, whichever zone the workflow used.
    assert checkin.opens == {
        "e100": "2025-03-31T07:00:00+00:00",
        "e200": "2025-03-31T07:00:00+00:00",
    }
    assert checkin.closes["e200"] == "2025-04-03T07:00:00+00:00"


def test_checkin_answer_recorded_once_and_applies_progress(
    sessions: sessionmaker[Session],
) -> None:
    done, in_progress = models.MilestoneStatus.DONE, models.MilestoneStatus.IN_PROGRESS
    first = answer(progress={"0.0": done, "1.1": in_progress})
    with sessions.begin() as session:
        with_pair_and_goals(session)
        assert store.record_checkin_answer(session, first) is True
    with sessions() as session:
        pair = store.get_mentorship(session, PAIR_ID)
    assert pair is not None
    speaking, design = pair.goals
    assert (speaking.milestones[0].status, speaking.milestones[0].done_at) == (
        "done",
        first.submitted_at,
    )
    assert (design.milestones[1].status, design.milestones[1].done_at) == ("in_progress", None)
    assert speaking.milestones[1].status == "not_started"
    [checkin] = pair.checkins
    [stored] = checkin.answers
    assert (stored.participant_id, stored.met, stored.value) == ("e200", "yes", 4)
    assert stored.milestone_progress == {"0.0": "done", "1.1": "in_progress"}
    assert stored.wins == "shipped the design doc"

    # The mentor corrects it later; then the mentee's answer is retried.
    correction = answer(
        by="e100", progress={"0.0": in_progress}, at=first.submitted_at + timedelta(hours=1)
    )
    with sessions.begin() as session:
        assert store.record_checkin_answer(session, correction) is True
    with sessions.begin() as session:
        assert store.record_checkin_answer(session, first) is False
    with sessions() as session:
        milestone = session.scalars(
            select(Milestone)
            .join(Milestone.goal)
            .where(Goal.position == 0, Milestone.position == 0)
        ).one()
        assert (milestone.status, milestone.done_at) == ("in_progress", None)
        assert count(session, CheckInResponse) == 2


def test_checkin_answer_naming_unknown_milestone_writes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        with_pair_and_goals(session)
    bad = answer(progress={"0.0": models.MilestoneStatus.DONE, "5.0": models.MilestoneStatus.DONE})
    with (
        sessions.begin() as session,
        pytest.raises(ValueError, match=r"unknown milestones \['5.0'\]"),
    ):
        store.record_checkin_answer(session, bad)
    with sessions() as session:
        assert count(session, CheckInResponse) == 0
        assert set(session.scalars(select(Milestone.status)).all()) == {"not_started"}


def test_checkin_answer_before_checkin_is_recorded_is_missing(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        with_pair_and_goals(session)
    with sessions.begin() as session, pytest.raises(store.MissingRecord, match="check-in 2"):
        store.record_checkin_answer(session, answer(number=2))


def test_checkin_closed(sessions: sessionmaker[Session]) -> None:
    closed = models.CheckInClosed(
        mentorship_id=PAIR_ID,
        number=1,
        outcome=models.CheckInOutcome.HELD,
        closed_at=START + timedelta(weeks=4, days=3),
    )
    with sessions.begin() as session:
        with_pair_and_goals(session)
        store.record_checkin_closed(session, closed)
        store.record_checkin_closed(session, closed)
    with sessions() as session:
        checkin = session.scalars(select(CheckIn)).one()
        assert (checkin.outcome, checkin.closed_at) == ("held", closed.closed_at)
    with sessions.begin() as session, pytest.raises(store.MissingRecord):
        store.record_checkin_closed(session, closed.model_copy(update={"number": 9}))


# --------------------------------------------------------------------------- surveys and status


def test_survey_answer_recorded_once(sessions: sessionmaker[Session]) -> None:
    record = models.SurveyAnswerRecord(
        mentorship_id=PAIR_ID,
        role=models.Role.MENTEE,
        answer=models.SurveyAnswer(
            by="e200",
            kind=models.SurveyKind.FINAL,
            rating=5,
            gained="confidence presenting",
            goals_achieved=2,
            would_mentor=models.WouldMentor.YES,
        ),
        submitted_at=START + timedelta(days=180),
    )
    with sessions.begin() as session:
        store.record_mentorship_started(session, started())
        assert store.record_survey_answer(session, record) is True
    with sessions.begin() as session:
        assert store.record_survey_answer(session, record) is False
    with sessions() as session:
        pair = store.get_mentorship(session, PAIR_ID)
    assert pair is not None
    [survey] = pair.surveys
    assert (survey.kind, survey.role, survey.rating, survey.would_mentor) == (
        "final",
        "mentee",
        5,
        "yes",
    )
    assert models.SurveyAnswer.model_validate(survey.answers) == record.answer


def test_status_applies_in_order_and_ignores_stale_retries(
    sessions: sessionmaker[Session],
) -> None:
    paused = models.StatusRecord(
        mentorship_id=PAIR_ID,
        phase=models.Phase.CHECKINS,
        paused=True,
        reason="parental leave",
        at=START + timedelta(days=40),
    )
    resumed = models.StatusRecord(
        mentorship_id=PAIR_ID, phase=models.Phase.CHECKINS, at=START + timedelta(days=70)
    )
    with sessions.begin() as session:
        store.record_mentorship_started(session, started())
        assert store.record_status(session, paused) is True
        assert store.record_status(session, resumed) is True
        assert store.record_status(session, paused) is False  # late retry
    with sessions() as session:
        row = session.get(Mentorship, PAIR_ID)
        assert row is not None
        assert (row.phase, row.paused, row.outcome, row.ended_at) == ("checkins", False, None, None)

    result = models.MentorshipResult(
        mentorship_id=PAIR_ID,
        outcome=models.Outcome.GRADUATED,
        checkins_held=6,
        milestones_done=3,
        milestones_total=4,
        mean_value=4.5,
    )
    graduated = models.StatusRecord(
        mentorship_id=PAIR_ID,
        phase=models.Phase.CLOSED,
        outcome=models.Outcome.GRADUATED,
        at=START + timedelta(days=190),
        result=result,
    )
    with sessions.begin() as session:
        assert store.record_status(session, graduated) is True
        assert store.record_status(session, graduated) is True  # same values again
    with sessions() as session:
        row = session.get(Mentorship, PAIR_ID)
        assert row is not None
        assert (row.phase, row.outcome, row.ended_at) == ("closed", "graduated", graduated.at)
        assert row.result is not None
        assert models.MentorshipResult.model_validate(row.result) == result


def test_datetimes_come_back_timezone_aware(sessions: sessionmaker[Session]) -> None:
    tokyo_start = datetime(2025, 3, 3, 23, 30, 15, 123456, tzinfo=TOKYO)
    with sessions.begin() as session:
        store.record_mentorship_started(
            session, started().model_copy(update={"started_at": tokyo_start})
        )
    with sessions() as session:
        row = session.get(Mentorship, PAIR_ID)
        assert row is not None
        assert row.started_at == tokyo_start
        assert row.started_at.utcoffset() == timedelta(0)
        assert row.started_at.astimezone(TOKYO).hour == 23


def test_list_mentorships_by_cohort(sessions: sessionmaker[Session]) -> None:
    other = models.mentorship_workflow_id("2025-autumn", "e100", "e200")
    with sessions.begin() as session:
        store.record_mentorship_started(session, started())
        store.record_mentorship_started(session, started(other, cohort="2025-autumn"))
    with sessions() as session:
        everything = store.list_mentorships(session)
        spring = store.list_mentorships(session, cohort="2025-spring")
    assert {m.id for m in everything} == {PAIR_ID, other}
    assert [m.id for m in spring] == [PAIR_ID]
    # Loaded eagerly: usable after the session closed.
    assert (spring[0].mentor.name, spring[0].mentee.email) == ("Ada Lovelace", "grace@example.com")


# --------------------------------------------------------------------------- activities


async def test_store_activities_record_a_mentorship(sessions: sessionmaker[Session]) -> None:
    activities = StoreActivities(sessions)
    env = ActivityEnvironment()
    agreed = models.GoalsRecord(
        mentorship_id=PAIR_ID,
        goals=goals("Negotiation"),
        agreed_at=START + timedelta(days=7),
        proposed_by="e200",
    )
    steps = [
        (activities.record_mentorship_started, started()),
        (
            activities.record_event,
            models.MentorshipEvent(mentorship_id=PAIR_ID, kind="goals_agreed", at=agreed.agreed_at),
        ),
        (activities.record_goals, agreed),
        (activities.record_checkin_opened, opened()),
        (activities.record_checkin_answer, answer(progress={"0.1": models.MilestoneStatus.DONE})),
        (
            activities.record_checkin_closed,
            models.CheckInClosed(
                mentorship_id=PAIR_ID,
                number=1,
                outcome=models.CheckInOutcome.HELD,
                closed_at=START + timedelta(days=31),
            ),
        ),
        (
            activities.record_survey_answer,
            models.SurveyAnswerRecord(
                mentorship_id=PAIR_ID,
                role=models.Role.MENTOR,
                answer=models.SurveyAnswer(
                    by="e100", kind=models.SurveyKind.MIDPOINT, rating=4, working_well=True
                ),
                submitted_at=START + timedelta(days=90),
            ),
        ),
        (
            activities.record_status,
            models.StatusRecord(
                mentorship_id=PAIR_ID,
                phase=models.Phase.FINAL_SURVEY,
                at=START + timedelta(days=180),
            ),
        ),
        (
            activities.record_hr_notice,
            HrNoticeRecord(
                key=f"{PAIR_ID}:ended",
                kind=NoticeKind.ENDED_EARLY,
                program_name="Engineering Mentoring",
                manager_email="programs@example.com",
                cohort="2025-spring",
                mentorship_id=PAIR_ID,
                subject="Mentorship ended early",
                happened_at=START + timedelta(days=181),
            ),
        ),
    ]
    assert len(steps) == len(activities.activities)
    # Twice each, as Temporal may deliver a retry after the first attempt committed.
    for _ in range(2):
        for method, record in steps:
            assert await env.run(method, record) is None

    with sessions() as session:
        pair = store.get_mentorship(session, PAIR_ID)
        assert count(session, MentorshipEventRow) == 1
        assert count(session, CheckInResponse) == 1
        assert count(session, SurveyResponse) == 1
        assert count(session, HrNotice) == 1
    assert pair is not None
    assert pair.phase == "final_survey"
    assert [m.status for m in pair.goals[0].milestones] == ["not_started", "done"]
    assert pair.checkins[0].outcome == "held"


async def test_activity_missing_record_is_retryable(sessions: sessionmaker[Session]) -> None:
    env = ActivityEnvironment()
    event = models.MentorshipEvent(mentorship_id=PAIR_ID, kind="paused", at=START)
    with pytest.raises(ApplicationError) as raised:
        await env.run(StoreActivities(sessions).record_event, event)
    assert raised.value.type == "MissingRecord"
    assert not raised.value.non_retryable
    assert "not recorded" in str(raised.value)


async def test_activity_invalid_record_is_not_retried(sessions: sessionmaker[Session]) -> None:
    activities = StoreActivities(sessions)
    env = ActivityEnvironment()
    await env.run(activities.record_mentorship_started, started())
    naive = models.MentorshipEvent(mentorship_id=PAIR_ID, kind="paused", at=datetime(2025, 3, 4))
    with pytest.raises(ApplicationError) as raised:
        await env.run(activities.record_event, naive)
    assert raised.value.type == "InvalidRecord"
    assert raised.value.non_retryable
    assert "naive datetime" in str(raised.value)

    await env.run(activities.record_checkin_opened, opened())
    unknown = answer(progress={"3.3": models.MilestoneStatus.DONE})
    with pytest.raises(ApplicationError, match="unknown milestones") as raised:
        await env.run(activities.record_checkin_answer, unknown)
    assert raised.value.non_retryable
    with sessions() as session:
        assert count(session, MentorshipEventRow) == 0
        assert count(session, CheckInResponse) == 0


async def test_activity_database_down_propagates_for_retry() -> None:
    # Nothing listens on port 1: the connection is refused at once.
    engine = make_engine("postgresql+psycopg://mentorflow@127.0.0.1:1/mentorflow")
    try:
        activities = StoreActivities(make_sessionmaker(engine))
        with pytest.raises(OperationalError):
            await ActivityEnvironment().run(activities.record_mentorship_started, started())
    finally:
        engine.dispose()
