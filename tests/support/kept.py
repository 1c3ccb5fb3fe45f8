"""For the tests of kept answers: what a workflow scheduled (to see it wait
for a kept answer), one round of the real answer deliverer, and rows of the
store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from mentorflow.links import LinkClaims
from mentorflow.settings import Settings
from mentorflow.store import pending_answers
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import CheckIn, MentorshipEventRow, SurveyResponse
from mentorflow.web.deps import TemporalConnector
from mentorflow.web.participant.answer_delivery import deliver_due

KEPT_ANSWERS_WAITING = "kept_answers_waiting"


async def scheduled_activities(handle: WorkflowHandle) -> list[str]:
    history = await handle.fetch_history()
    return [
        event.activity_task_scheduled_event_attributes.activity_type.name
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


async def waits_for_kept_answers(handle: WorkflowHandle, within: float = 30.0) -> None:
    """Until the workflow asked the store for kept answers (it is past its
    deadline and waiting for them); fails if it never does."""
    deadline = asyncio.get_running_loop().time() + within
    while KEPT_ANSWERS_WAITING not in await scheduled_activities(handle):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the workflow never asked for kept answers")
        await asyncio.sleep(0.1)


async def deliver_kept(settings: Settings, client: Client) -> int:
    """One round of the web app's answer deliverer; how many it delivered."""
    engine = make_engine(settings.resolved_database_url)
    try:
        return await deliver_due(make_sessionmaker(engine), TemporalConnector(settings, client))
    finally:
        engine.dispose()


async def until(check: Callable[[], Any], within: float = 30.0) -> Any:
    """Until ``check()`` (sync or async) returns something true; that value."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not reached within {within}s: {value!r}")
        await asyncio.sleep(0.1)


def _rows(db_url: str, statement: Any) -> list[tuple]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(statement).all()]
    finally:
        engine.dispose()


def checkin_outcomes(db_url: str, mentorship_id: str) -> dict[int, str | None]:
    rows = _rows(
        db_url,
        select(CheckIn.number, CheckIn.outcome).where(CheckIn.mentorship_id == mentorship_id),
    )
    return {number: outcome for number, outcome in rows}


def survey_answers(db_url: str, mentorship_id: str) -> list[tuple[str, str, int]]:
    """(kind, participant, rating) of each stored survey answer."""
    return [
        (kind, participant, rating)
        for kind, participant, rating in _rows(
            db_url,
            select(SurveyResponse.kind, SurveyResponse.participant_id, SurveyResponse.rating).where(
                SurveyResponse.mentorship_id == mentorship_id
            ),
        )
    ]


def events(db_url: str, mentorship_id: str, kind: str) -> list[dict]:
    return [
        detail
        for (detail,) in _rows(
            db_url,
            select(MentorshipEventRow.detail).where(
                MentorshipEventRow.mentorship_id == mentorship_id,
                MentorshipEventRow.kind == kind,
            ),
        )
    ]


def keep_answer(db_url: str, purpose: str, workflow_id: str, by: str, received_at: datetime) -> str:
    """What a link page does while no worker can take the answer; the link id."""
    jti = uuid.uuid4().hex
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as session:
            claims = LinkClaims(purpose, workflow_id, by, "", received_at + timedelta(days=1), jti)
            pending_answers.keep(session, claims, {}, received_at)
    finally:
        engine.dispose()
    return jti


def mark_delivered(db_url: str, jti: str) -> None:
    """What the deliverer records once the workflow took the kept answer."""
    engine = make_engine(db_url)
    try:
        sessions = make_sessionmaker(engine)
        kept = pending_answers.get(sessions, jti)
        assert kept is not None
        pending_answers.mark_delivered(sessions, kept.id)
    finally:
        engine.dispose()
