"""Store activities: the workflows' only way to write the read model.

Each activity is one transaction, run in a thread because SQLAlchemy is
synchronous. Errors are classified for Temporal:

- a duplicate (unique constraint) means the row is already recorded: success;
- the database is down or busy (operational errors): raised as is, so Temporal
  retries until it is back;
- the record names a mentorship or check-in not stored yet: retryable
  ``MissingRecord``, since the record that creates it may still be in flight;
- the record itself is unusable (unknown milestone, a value the schema
  refuses): non-retryable ``InvalidRecord``, because no retry can fix it. The
  record stays in the workflow history, so nothing is lost.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from mentorflow import models
from mentorflow.notices.models import HrNoticeRecord
from mentorflow.store import hr_notices, mentorships
from mentorflow.store.mentorships import MissingRecord

RecordT = TypeVar("RecordT", bound=BaseModel)

#: PostgreSQL's SQLSTATE for unique_violation.
_PG_UNIQUE_VIOLATION = "23505"


def _is_duplicate(error: IntegrityError) -> bool:
    original = error.orig
    if getattr(original, "sqlstate", None) == _PG_UNIQUE_VIOLATION:
        return True
    # sqlite3 names the constraint kind (Python 3.11+); the message is the fallback.
    if getattr(original, "sqlite_errorname", None) in {
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    }:
        return True
    return "UNIQUE constraint failed" in str(original)


class StoreActivities:
    """Built once per worker with the store's sessionmaker."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def activities(self) -> list[Callable[..., Any]]:
        """Every store activity, for ``Worker(activities=...)``."""
        return [
            self.record_mentorship_started,
            self.record_event,
            self.record_goals,
            self.record_checkin_opened,
            self.record_checkin_answer,
            self.record_checkin_closed,
            self.record_survey_answer,
            self.record_status,
            self.record_hr_notice,
        ]

    @activity.defn
    async def record_mentorship_started(self, record: models.MentorshipRecord) -> None:
        await self._record(mentorships.record_mentorship_started, record)

    @activity.defn
    async def record_event(self, record: models.MentorshipEvent) -> None:
        await self._record(mentorships.record_event, record)

    @activity.defn
    async def record_goals(self, record: models.GoalsRecord) -> None:
        await self._record(mentorships.record_goals, record)

    @activity.defn
    async def record_checkin_opened(self, record: models.CheckInOpened) -> None:
        await self._record(mentorships.record_checkin_opened, record)

    @activity.defn
    async def record_checkin_answer(self, record: models.CheckInAnswerRecord) -> None:
        await self._record(mentorships.record_checkin_answer, record)

    @activity.defn
    async def record_checkin_closed(self, record: models.CheckInClosed) -> None:
        await self._record(mentorships.record_checkin_closed, record)

    @activity.defn
    async def record_survey_answer(self, record: models.SurveyAnswerRecord) -> None:
        await self._record(mentorships.record_survey_answer, record)

    @activity.defn
    async def record_status(self, record: models.StatusRecord) -> None:
        await self._record(mentorships.record_status, record)

    @activity.defn
    async def record_hr_notice(self, record: HrNoticeRecord) -> None:
        """A notice for HR's daily digest (not an email of its own)."""
        await self._record(hr_notices.record_notice, record)

    async def _record(self, write: Callable[[Session, RecordT], bool], record: RecordT) -> None:
        name = activity.info().activity_type
        try:
            recorded = await asyncio.to_thread(self._transaction, write, record)
        except IntegrityError as error:
            if _is_duplicate(error):
                # A concurrent attempt of this same activity won the race.
                activity.logger.info("%s: already recorded", name)
                return
            raise ApplicationError(
                f"{name}: the store refuses this record: {error.orig}",
                type="InvalidRecord",
                non_retryable=True,
            ) from error
        except DataError as error:
            raise ApplicationError(
                f"{name}: a value does not fit the store: {error.orig}",
                type="InvalidRecord",
                non_retryable=True,
            ) from error
        except DBAPIError:
            raise  # connection lost, database locked or down: Temporal retries
        except (StatementError, ValueError) as error:
            # StatementError without a DBAPI error: a bind value was refused
            # before reaching the database (e.g. a naive datetime).
            raise ApplicationError(
                f"{name}: invalid record: {error}", type="InvalidRecord", non_retryable=True
            ) from error
        except MissingRecord as error:
            raise ApplicationError(f"{name}: {error}", type="MissingRecord") from error
        if not recorded:
            activity.logger.info("%s: already recorded", name)

    def _transaction(self, write: Callable[[Session, RecordT], bool], record: RecordT) -> bool:
        with self._sessions.begin() as session:
            return write(session, record)
