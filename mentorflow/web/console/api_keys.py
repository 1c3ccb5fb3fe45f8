"""``/hr/api-keys`` (administrators only): the API keys, issuing one (its
secret shown on the answer page, once) and revoking one after confirming."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from mentorflow.hr.api_keys import (
    ApiKeyRequest,
    KeyRole,
    issue_api_key,
    list_api_keys,
    pepper_from,
    revoke_api_key,
)
from mentorflow.hr.errors import InvalidInput, NotFound
from mentorflow.store.programs import program_overviews
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ConsoleAccess, require_administrator
from mentorflow.web.auth.responses import console_page
from mentorflow.web.console.actions import actor, done
from mentorflow.web.deps import SessionDep, TemplatesDep

router = APIRouter(prefix="/hr/api-keys", dependencies=[Depends(csrf_protected)])


def _page(
    request: Request, session: SessionDep, templates: TemplatesDep, **ctx: object
) -> HTMLResponse:
    page = console_page(
        request,
        templates,
        "hr/api_keys.html",
        keys=list_api_keys(session),
        programs=[p.name for p in program_overviews(session, None)],
        now=datetime.now(UTC),
        **ctx,
    )
    # The page with a new key on it must not be kept by the browser or a proxy.
    page.headers["Cache-Control"] = "no-store"
    return page


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def api_keys(
    request: Request, access: ConsoleAccess, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    require_administrator(request, session, access)
    return _page(request, session, templates)


@router.post("", response_class=HTMLResponse, include_in_schema=False)
async def issue(
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    programs: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
    expires: Annotated[str, Form()] = "",
) -> HTMLResponse:
    require_administrator(request, session, access)
    try:
        expires_at = (
            datetime.combine(datetime.fromisoformat(expires).date(), time(), UTC)
            if expires
            else None
        )
        wanted = ApiKeyRequest(
            name=name.strip(), role=KeyRole(role), programs=programs, expires_at=expires_at
        )
    except (ValueError, ValidationError) as exc:
        raise InvalidInput(_why(exc)) from exc
    pepper = pepper_from(request.app.state.settings.resolved_secret_key)
    issued = issue_api_key(
        request.app.state.sessionmaker, pepper, wanted, actor=actor(request, access)
    )
    session.expire_all()
    return _page(request, session, templates, issued=issued)


def _why(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "\n".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'key'}: {e['msg']}" for e in exc.errors()
        )
    return f"Choose a role and, if it expires, a date: {exc}"


@router.get("/{key_id}/revoke", response_class=HTMLResponse, include_in_schema=False)
async def confirm_revoke(
    key_id: str,
    request: Request,
    access: ConsoleAccess,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    require_administrator(request, session, access)
    key = next((k for k in list_api_keys(session) if k.key_id == key_id), None)
    if key is None:
        raise NotFound(f"No API key {key_id!r}.")
    return console_page(request, templates, "hr/api_key_revoke.html", key=key)


@router.post("/{key_id}/revoke", include_in_schema=False)
async def revoke(
    key_id: str, request: Request, access: ConsoleAccess, session: SessionDep
) -> RedirectResponse:
    require_administrator(request, session, access)
    key = revoke_api_key(request.app.state.sessionmaker, key_id, actor=actor(request, access))
    return done(request, "/hr/api-keys", f"Revoked {key.label}: it no longer works.")
