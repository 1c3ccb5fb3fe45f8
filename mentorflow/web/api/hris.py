"""``/api/v1/hris/syncs``: the directory's syncs with the HR system (recent
ones; a sync now); administrators only."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from mentorflow.hr import hris
from mentorflow.hris.models import SyncOutcome
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, require_administrator
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.deps import SessionDep, SettingsDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["hris"])

#: How long a call waits for the sync before answering 202 (it goes on).
SYNC_WAIT = 60.0


class SyncRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sync_id: str
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    joiners: int
    movers: int
    leavers: int
    #: Why it was refused or failed.
    reason: str


class SyncRequest(BaseModel):
    #: Apply the sync even though this many people would leave (the guard).
    accept_leavers: int = Field(default=0, ge=0, le=1_000_000)


@router.get("/hris/syncs", responses=documented(401, 403))
async def recent_syncs(
    request: Request, access: ApiAccess, session: SessionDep, limit: int = 20
) -> list[SyncRecord]:
    """The last syncs, newest first."""
    require_administrator(request, session, access)
    rows = hris.sync_history(request.app.state.sessionmaker, max(1, min(limit, 500)))
    return [SyncRecord.model_validate(row) for row in rows]


@router.post("/hris/syncs", responses=documented(401, 403, 422, 503))
async def sync_now(
    request: Request,
    access: ApiAccess,
    session: SessionDep,
    settings: SettingsDep,
    body: SyncRequest | None = None,
) -> SyncOutcome:
    """Runs a sync from the configured HR system and returns what it did, or
    why it applied nothing."""
    require_administrator(request, session, access)
    return await hris.sync_now(
        request.app.state.sessionmaker,
        await temporal(request),
        settings.temporal_task_queue,
        actor=actor(request, access),
        accept_leavers=(body or SyncRequest()).accept_leavers,
        wait=SYNC_WAIT,
    )
