"""HRIS sync activities: pull the directory (a CSV file, or a SCIM service a
page at a time, heartbeated and staged so that a killed worker resumes at
the page it stopped at), apply it in one transaction, and let the change
reach the workflows it touches."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from mentorflow.hris import sync
from mentorflow.hris.csv_source import HrisSourceError, read_directory_csv
from mentorflow.hris.diff import DirectoryRecord
from mentorflow.hris.effect_calls import EffectCalls
from mentorflow.hris.models import (
    ApplyRequest,
    EffectsDone,
    EffectsRequest,
    SyncFailure,
    SyncOutcome,
    SyncSource,
    SyncStart,
)
from mentorflow.hris.scim_mapping import ScimUser, directory_from_scim
from mentorflow.hris.scim_source import ScimConnection, ScimRateLimited, fetch_page
from mentorflow.settings import Settings
from mentorflow.store import hris

#: The error type the workflow reads as "the source cannot be trusted".
SOURCE_ERROR = "HrisSourceError"


def _now() -> datetime:
    return datetime.now(UTC)


def _source_error(exc: Exception) -> ApplicationError:
    return ApplicationError(str(exc), type=SOURCE_ERROR, non_retryable=True)


class HrisActivities:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings = settings
        self._sessions = sessions

    @property
    def activities(self) -> list[Callable[..., object]]:
        return [
            self.begin_sync,
            self.pull_scim,
            self.apply_sync,
            self.record_sync_failure,
            self.apply_effects,
        ]

    @activity.defn
    async def begin_sync(self, start: SyncStart) -> SyncSource:
        """Decides the source (a CSV given on demand, else the worker's
        settings) and records the sync; refuses when no HRIS is configured."""
        if start.csv_path:
            source = SyncSource(source="csv", csv_path=start.csv_path)
        elif self._settings.hris_source == "scim":
            source = SyncSource(source="scim")
        elif self._settings.hris_source == "csv":
            source = SyncSource(source="csv", csv_path=str(self._settings.hris_csv_path))
        else:
            raise _source_error(
                HrisSourceError(
                    "no HRIS is configured: set MENTORFLOW_HRIS_SCIM_URL or "
                    "MENTORFLOW_HRIS_CSV_PATH, or pass a CSV file"
                )
            )

        def record() -> None:
            with self._sessions.begin() as session:
                hris.begin_sync(session, start.sync_id, source.source, _now())

        await asyncio.to_thread(record)
        return source

    @activity.defn
    async def pull_scim(self, start: SyncStart) -> int:
        """Pulls every page into the staging table; returns the users pulled.

        Progress is the next start index, heartbeated after each staged page;
        a retry (the worker died, the service said 429) starts from there."""
        connection = ScimConnection.from_settings(self._settings)
        details = activity.info().heartbeat_details
        next_index: int | None = int(details[0]) if details else 1
        pulled = int(details[1]) if len(details) > 1 else 0
        while next_index is not None:
            try:
                page = await fetch_page(connection, next_index)
            except ScimRateLimited as exc:
                raise ApplicationError(
                    f"the SCIM service asked us to wait {exc.retry_after}",
                    type="ScimRateLimited",
                    next_retry_delay=exc.retry_after,
                ) from exc
            except HrisSourceError as exc:
                raise _source_error(exc) from exc
            users = [user.model_dump(mode="json") for user in page.users]

            def stage(index: int = page.start_index, rows: list = users) -> None:
                with self._sessions.begin() as session:
                    hris.stage_page(session, start.sync_id, index, rows, _now())

            await asyncio.to_thread(stage)
            pulled += len(users)
            next_index = page.next_start_index
            activity.heartbeat(next_index, pulled)
        return pulled

    @activity.defn
    async def apply_sync(self, request: ApplyRequest) -> SyncOutcome:
        settings = self._settings

        def source_reader(
            session: Session, held: Mapping[str, DirectoryRecord]
        ) -> Mapping[str, DirectoryRecord]:
            if request.source.source == "csv":
                assert request.source.csv_path is not None
                return read_directory_csv(Path(request.source.csv_path))
            staged = hris.staged_users(session, request.sync_id)
            if not staged:
                raise HrisSourceError("the SCIM service listed no users: nothing applied")
            return directory_from_scim([ScimUser.model_validate(u) for u in staged], held)

        def apply() -> SyncOutcome:
            with self._sessions.begin() as session:
                return sync.apply_sync(
                    session,
                    sync_id=request.sync_id,
                    source=request.source.source,
                    read=source_reader,
                    max_leaver_share=settings.hris_max_leaver_share,
                    accept_leavers=request.accept_leavers,
                    alert_email=settings.hris_alert_email,
                    now=_now(),
                )

        try:
            return await asyncio.to_thread(apply)
        except HrisSourceError as exc:
            raise _source_error(exc) from exc

    @activity.defn
    async def record_sync_failure(self, failure: SyncFailure) -> list[str]:
        """Records why a sync could not apply; returns who should hear of it."""

        def record() -> list[str]:
            with self._sessions.begin() as session:
                sync.record_failure(session, failure.sync_id, failure.reason, _now())
                return sync.alert_recipients(session, self._settings.hris_alert_email)

        return await asyncio.to_thread(record)

    @activity.defn
    async def apply_effects(self, request: EffectsRequest) -> EffectsDone:
        """Withdraws leavers' applications, ends their mentorships (carrying a
        mentee whose mentor left over to the next round) and gives running
        pairs new contact details. Every call is idempotent, so a retry that
        repeats some of them changes nothing."""
        calls = EffectCalls(activity.client(), self._sessions, request.outcome.sync_id)
        return await calls.run(request.outcome, heartbeat=activity.heartbeat)
