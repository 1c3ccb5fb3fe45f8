"""``/api/v1/api-keys``: the administrator's API keys, as on the console's
``/hr/api-keys`` page: list, issue (the key is in the answer, once), revoke."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, status

from mentorflow.hr.api_keys import (
    ApiKeyRequest,
    ApiKeyView,
    IssuedApiKey,
    issue_api_key,
    list_api_keys,
    pepper_from,
    revoke_api_key,
)
from mentorflow.web.api.errors import documented
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ApiAccess, require_administrator
from mentorflow.web.console.actions import actor
from mentorflow.web.deps import SessionDep

router = APIRouter(dependencies=[Depends(csrf_protected)], tags=["api keys"])


@router.get("/api-keys", responses=documented(401, 403))
async def api_keys(request: Request, access: ApiAccess, session: SessionDep) -> list[ApiKeyView]:
    """Every key, newest first, revoked ones too; never a secret."""
    require_administrator(request, session, access)
    return list_api_keys(session)


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    responses=documented(401, 403, 422),
)
async def issue(
    body: ApiKeyRequest, request: Request, access: ApiAccess, session: SessionDep
) -> IssuedApiKey:
    """A new key. ``key`` is shown in this answer only: keep it now."""
    require_administrator(request, session, access)
    pepper = pepper_from(request.app.state.settings.resolved_secret_key)
    return issue_api_key(request.app.state.sessionmaker, pepper, body, actor=actor(request, access))


@router.post("/api-keys/{key_id}/revoke", responses=documented(401, 403, 404, 409))
async def revoke(
    key_id: str, request: Request, access: ApiAccess, session: SessionDep
) -> ApiKeyView:
    """Stops the key working at once."""
    require_administrator(request, session, access)
    return revoke_api_key(request.app.state.sessionmaker, key_id, actor=actor(request, access))
