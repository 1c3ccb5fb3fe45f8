"""The kept-answers activity: whether the web app holds answers for a
workflow that it could not deliver yet (see ``mentorflow.store.pending_answers``).
A workflow asks before it acts on silence at a deadline, so that an answer
given in time is not overtaken by the timeout it was meant to prevent."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from mentorflow.late_answers import KeptAnswersQuery
from mentorflow.store import pending_answers


class KeptAnswerActivities:
    """Built once per worker with the store's sessionmaker."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def activities(self) -> list:
        return [self.kept_answers_waiting]

    @activity.defn
    async def kept_answers_waiting(self, query: KeptAnswersQuery) -> int:
        return await asyncio.to_thread(self._count, query)

    def _count(self, query: KeptAnswersQuery) -> int:
        with self._sessions() as session:
            return pending_answers.waiting_for(session, query.workflow_id, query.received_by)
