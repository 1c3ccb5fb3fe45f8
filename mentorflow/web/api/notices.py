"""``/api/v1/notices``: HR notices of the programs in scope; ``POST
/api/v1/notices/digest`` sends today's digest now (administrators)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from mentorflow.hr import notices
from mentorflow.notices.models import HrDigestResult, NoticeKind
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, require_administrator
from mentorflow.web.console.actions import actor, temporal
from mentorflow.web.deps import SessionDep, SettingsDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["notices"])

DIGEST_WAIT = 60.0


class NoticePerson(BaseModel):
    employee_id: str
    name: str
    email: str


class Notice(BaseModel):
    id: int
    kind: NoticeKind
    program: str
    cohort: str
    mentorship_id: str
    mentor: NoticePerson
    mentee: NoticePerson
    reason: str
    happened_at: datetime
    day: date
    digested_at: datetime | None
    resolved_at: datetime | None


@router.get("/notices", responses=documented(401, 403))
async def notice_list(
    request: Request, access: ApiAccess, cohort: str | None = None, limit: int = 200
) -> list[Notice]:
    """The notices, newest first."""
    rows = notices.list_notices(
        request.app.state.sessionmaker,
        cohort=cohort,
        programs=access.programs,
        limit=max(1, min(limit, 1000)),
    )
    return [Notice.model_validate(row) for row in rows]


@router.post("/notices/digest", responses=documented(401, 403, 503))
async def digest_now(
    request: Request, access: ApiAccess, session: SessionDep, settings: SettingsDep
) -> HrDigestResult:
    """Today's digest now: one email per program and manager."""
    require_administrator(request, session, access)
    return await notices.send_digest(
        request.app.state.sessionmaker,
        await temporal(request),
        settings.temporal_task_queue,
        actor=actor(request, access),
        wait=DIGEST_WAIT,
    )
