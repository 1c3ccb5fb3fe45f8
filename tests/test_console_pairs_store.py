"""The pairs read model on the store alone (SQLite and PostgreSQL): the
at-risk flag agrees with the workflow's rule, a follow-up belongs to one
streak, and the list costs the same few queries for 3 pairs or 120."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event

from mentorflow.hr import pairs
from mentorflow.models import (
    CheckInClosed,
    CheckInOpened,
    CheckInOutcome,
    MentorshipRecord,
    Participant,
)
from mentorflow.pairs.models import PairFilter, PairSort
from mentorflow.pairs.streaks import fold
from mentorflow.program import ProgramConfig
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.mentorships import (
    record_checkin_closed,
    record_checkin_opened,
    record_mentorship_started,
)
from mentorflow.store.schema import AtRiskFollowUp
from tests.support.pair_console import PROGRAM

T0 = datetime(2027, 1, 4, 9, tzinfo=UTC)
HELD, MISSED, RESCHEDULED = CheckInOutcome.HELD, CheckInOutcome.MISSED, CheckInOutcome.RESCHEDULED


def test_the_flag_follows_the_workflows_rule() -> None:
    def closed(*outcomes: CheckInOutcome) -> list[tuple[int, str, datetime]]:
        return [(n, o.value, T0 + timedelta(days=n)) for n, o in enumerate(outcomes, 1)]

    assert fold(closed(MISSED), 2).flag_checkin is None
    flagged = fold(closed(HELD, MISSED, RESCHEDULED, MISSED, MISSED), 2)
    # Rescheduled keeps the streak: check-in 4 raised the flag, 5 extends it.
    assert (flagged.missed, flagged.flag_checkin) == (3, 4)
    assert fold(closed(MISSED, MISSED, HELD), 2).flag_checkin is None
    assert fold(closed(MISSED, MISSED, HELD, MISSED, MISSED), 2).flag_checkin == 5


def seed(db_url: str, count: int, missed_from: int = 0) -> list[str]:
    engine = make_engine(db_url)
    ids = []
    with make_sessionmaker(engine).begin() as session:
        program = ProgramConfig(name=PROGRAM.program_name, program_manager_email="pm@example.com")
        cohorts.create_cohort(session, "c", program, opens_at=T0, closes_at=T0 + timedelta(days=14))
        for i in range(count):
            mentor = Participant(employee_id=f"M{i}", email=f"m{i}@x.example", name=f"Mentor {i}")
            mentee = Participant(
                employee_id=f"E{i}", email=f"e{i}@x.example", name=f"Mentee {i:04}"
            )
            pair_id = f"mentorship:c:M{i}:E{i}"
            ids.append(pair_id)
            record_mentorship_started(
                session,
                MentorshipRecord(
                    mentorship_id=pair_id,
                    cohort="c",
                    program=PROGRAM,
                    mentor=mentor,
                    mentee=mentee,
                    started_at=T0,
                ),
            )
            outcomes = [MISSED, MISSED] if i >= missed_from else [HELD, HELD]
            for n, outcome in enumerate(outcomes, 1):
                at = T0 + timedelta(days=14 * n)
                record_checkin_opened(
                    session,
                    CheckInOpened(
                        mentorship_id=pair_id,
                        number=n,
                        due_date=date(2027, 1, 1),
                        opens={mentor.employee_id: at},
                        closes={mentor.employee_id: at + timedelta(days=3)},
                    ),
                )
                record_checkin_closed(
                    session,
                    CheckInClosed(mentorship_id=pair_id, number=n, outcome=outcome, closed_at=at),
                )
    engine.dispose()
    return ids


def queries_for_list(db_url: str) -> tuple[int, int]:
    engine = make_engine(db_url)
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    with make_sessionmaker(engine)() as session:
        rows = pairs.cohort_pairs(session, "c", PairFilter.ALL, PairSort.AT_RISK)
    engine.dispose()
    return len(rows), len(seen)


def test_the_list_reads_a_few_queries_whatever_the_number_of_pairs(db_url: str) -> None:
    seed(db_url, 120, missed_from=117)
    count, queries = queries_for_list(db_url)
    assert count == 120 and queries <= 8


def test_a_follow_up_belongs_to_one_streak(db_url: str) -> None:
    at_risk = seed(db_url, 2, missed_from=0)[0]
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        flags = pairs.at_risk(session, None)
        assert [r.id for r in flags.open] == [f"mentorship:c:M{i}:E{i}" for i in (0, 1)]
    with sessions.begin() as session:
        session.add(AtRiskFollowUp(mentorship_id=at_risk, flag_checkin=2, by="hr@x.example", at=T0))
    with sessions() as session:
        flags = pairs.at_risk(session, None)
        assert [r.id for r in flags.followed_up] == [at_risk]
        assert pairs.at_risk(session, ["Another program"]).open == []
    # A new streak (held, then missed twice) is a new flag to follow up.
    with sessions.begin() as session:
        for n, outcome in ((3, HELD), (4, MISSED), (5, MISSED)):
            at = T0 + timedelta(days=14 * n)
            record_checkin_opened(
                session,
                CheckInOpened(
                    mentorship_id=at_risk,
                    number=n,
                    due_date=date(2027, 1, 1),
                    opens={"M0": at},
                    closes={"M0": at},
                ),
            )
            record_checkin_closed(
                session,
                CheckInClosed(mentorship_id=at_risk, number=n, outcome=outcome, closed_at=at),
            )
    with sessions() as session:
        flags = pairs.at_risk(session, None)
        assert at_risk in [r.id for r in flags.open] and flags.followed_up == []
        assert flags.open[0].at_risk is not None
    engine.dispose()


def test_the_value_trend_reads_as_text_and_a_small_line() -> None:
    from mentorflow.settings import Settings
    from mentorflow.web.templating import make_templates

    templates = make_templates(Settings().templates_dir / "web")
    macro = templates.env.get_template("hr/_pairs.html").module.trend  # type: ignore[attr-defined]
    shown = str(macro([3, 4, 4]))
    assert "3 → 4 → 4" in shown and "<polyline" in shown and "style=" not in shown
    assert "<svg" not in str(macro([5])) and "no ratings yet" in str(macro([]))
