"""``/hr/sign-in`` → the identity provider → ``/hr/auth/callback``; POST
``/hr/sign-out``. Each sign-in, failed sign-in and sign-out is audited."""

from __future__ import annotations

from authlib.integrations.base_client import OAuthError
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mentorflow.audit import AuditAction, AuditResult
from mentorflow.store.programs import program_managers
from mentorflow.web.audit_trail import ANONYMOUS, audit
from mentorflow.web.auth.csrf import csrf_protected
from mentorflow.web.auth.guard import ProviderDep
from mentorflow.web.auth.provider import PROVIDER_UNREACHABLE, SignInUnavailable
from mentorflow.web.auth.roles import access_for
from mentorflow.web.auth.session import (
    NEXT_KEY,
    end_session,
    safe_destination,
    signed_in,
    start_session,
    take_destination,
)
from mentorflow.web.deps import SessionDep, SettingsDep, TemplatesDep
from mentorflow.web.errors import PageError
from mentorflow.web.templating import render

router = APIRouter(prefix="/hr", dependencies=[Depends(csrf_protected)])

CALLBACK_PATH = "/hr/auth/callback"


def _not_configured() -> PageError:
    return PageError(
        503,
        "HR sign-in is not set up",
        "This installation has no identity provider configured (MENTORFLOW_OIDC_ISSUER). "
        "Ask the people who run mentorflow.",
    )


@router.get("/sign-in", include_in_schema=False)
async def sign_in(
    request: Request, provider: ProviderDep, settings: SettingsDep, next: str = "/hr"
) -> Response:
    try:
        client = provider.require()
    except SignInUnavailable:
        raise _not_configured() from None
    request.session[NEXT_KEY] = safe_destination(next)
    redirect_uri = settings.base_url.rstrip("/") + CALLBACK_PATH
    try:
        return await client.authorize_redirect(request, redirect_uri)
    except PROVIDER_UNREACHABLE as exc:
        raise PageError(
            503,
            "The sign-in service cannot be reached",
            f"The identity provider did not answer ({exc}). Please try again in a few minutes.",
        ) from exc


@router.get("/auth/callback", include_in_schema=False)
async def callback(
    request: Request,
    provider: ProviderDep,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> Response:
    try:
        client = provider.require()
    except SignInUnavailable:
        raise _not_configured() from None
    try:
        token = await client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if settings.oidc_groups_claim not in claims or "email" not in claims:
            # Many providers put email and groups in userinfo only.
            claims = {**dict(await client.userinfo(token=token)), **claims}
    except OAuthError as exc:
        description = exc.description or exc.error or ""
        return _failed(request, session, templates, exc.error or "", description, description)
    except PROVIDER_UNREACHABLE as exc:
        return _failed(
            request,
            session,
            templates,
            "provider unreachable",
            str(exc),
            "it could not be reached; please try again",
        )
    person = provider.person_from(claims)
    if person is None:
        subject = str(claims.get("sub", ""))
        reason = "it did not give a verified email address"
        return _failed(request, session, templates, "no verified email", subject, reason)
    start_session(request, person)
    access = access_for(person, settings, program_managers(session))
    audit(
        request,
        session,
        AuditAction.SIGN_IN,
        AuditResult.OK,
        actor=person.email,
        detail={"roles": sorted(access.roles), "groups": person.groups},
    )
    return RedirectResponse(take_destination(request), 303)


def _failed(
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    error: str,
    description: str,
    reason: str,
) -> HTMLResponse:
    """Records the failed sign-in and offers to try again."""
    audit(
        request,
        session,
        AuditAction.SIGN_IN,
        AuditResult.FAILED,
        actor=ANONYMOUS,
        detail={"error": error, "description": description},
    )
    return render(
        request,
        templates,
        "hr/notice.html",
        400,
        title="Sign-in did not complete",
        message=f"The identity provider did not sign you in ({reason}).",
        tone="warning",
    )


@router.post("/sign-out", include_in_schema=False)
async def sign_out(request: Request, session: SessionDep, templates: TemplatesDep) -> Response:
    person = signed_in(request)
    if person is not None:
        audit(request, session, AuditAction.SIGN_OUT, AuditResult.OK, actor=person.email)
    end_session(request)
    return render(
        request,
        templates,
        "hr/notice.html",
        title="Signed out",
        message="You are signed out of the HR console.",
        tone="info",
    )
