"""Who is asking, and may they: the dependencies behind every ``/hr`` page
and ``/api/v1`` route.

A page without a session sends the person to sign in and back; an API call
without credentials gets a JSON 401. Someone signed in without a role, or
asking for a program outside their scope, is refused with a 403 that is
written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from mentorflow.audit import AuditAction, AuditResult
from mentorflow.hr.api_keys import check_api_key, looks_like_key, pepper_from
from mentorflow.store.programs import program_managers
from mentorflow.web.audit_trail import audit
from mentorflow.web.auth.provider import (
    PROVIDER_UNREACHABLE,
    IdentityProvider,
    SignInUnavailable,
)
from mentorflow.web.auth.roles import Access, HrPerson, HrRole, access_for
from mentorflow.web.auth.session import signed_in
from mentorflow.web.deps import SessionDep


class SignInRequired(Exception):
    """A console page asked for without a session."""

    def __init__(self, destination: str) -> None:
        super().__init__(destination)
        self.destination = destination


class NoAccess(Exception):
    """Signed in, but not allowed here: the polite 403 page."""

    def __init__(self, person: HrPerson, message: str) -> None:
        super().__init__(message)
        self.person = person
        self.message = message


class ApiError(Exception):
    """An API failure with a stable ``code`` (``unauthenticated``, ``forbidden``,
    ``not_found``, ``csrf``) and a message for people."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


def get_provider(request: Request) -> IdentityProvider:
    return request.app.state.identity  # type: ignore[no-any-return]


ProviderDep = Annotated[IdentityProvider, Depends(get_provider)]


def _access(request: Request, session: Session, person: HrPerson) -> Access:
    return access_for(person, request.app.state.settings, program_managers(session))


def _refuse(request: Request, session: Session, access: Access, why: str) -> None:
    audit(
        request,
        session,
        AuditAction.ACCESS,
        AuditResult.REFUSED,
        target=request.url.path,
        actor=access.person.email,
        detail={"reason": why, "method": request.method},
    )


def console_access(request: Request, session: SessionDep) -> Access:
    person = signed_in(request)
    if person is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise SignInRequired(request.url.path + query)
    access = _access(request, session, person)
    if not access.has_any:
        _refuse(request, session, access, "no role")
        raise NoAccess(
            person,
            "No program names you as a manager and you are not an administrator. "
            "(A program counts here once a cohort of it is launched.)",
        )
    # For the page's navigation (what this person may open).
    request.state.access = access
    return access


def _presented_key(request: Request) -> str | None:
    if key := request.headers.get("x-api-key"):
        return key.strip()
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer ") and looks_like_key(authorization[7:].strip()):
        return authorization[7:].strip()
    return None


def _key_access(request: Request, session: Session, presented: str) -> Access:
    """The key's holder, acting with the key's role and scope; a key that does
    not work is a 401, on record with why."""
    pepper = pepper_from(request.app.state.settings.resolved_secret_key)
    key, why = check_api_key(session, pepper, presented)
    if key is None:
        audit(
            request,
            session,
            AuditAction.ACCESS,
            AuditResult.REFUSED,
            target=request.url.path,
            actor=f"api-key:{presented[4:16] or '?'}",
            detail={"reason": f"API key {why}", "method": request.method},
        )
        raise ApiError(401, "unauthenticated", f"The API key was not accepted ({why}).")
    session.commit()  # last_used_at
    request.state.bearer = True
    role = HrRole(key.role.value)
    return Access(
        person=HrPerson(email=key.label, name=key.name),
        roles=frozenset({role}),
        managed=frozenset(key.programs) if role is HrRole.PROGRAM_MANAGER else frozenset(),
    )


async def api_access(request: Request, session: SessionDep, provider: ProviderDep) -> Access:
    if (presented := _presented_key(request)) is not None:
        return _key_access(request, session, presented)
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        try:
            person = await provider.person_for_access_token(authorization[7:].strip())
        except (*PROVIDER_UNREACHABLE, SignInUnavailable) as exc:
            raise ApiError(
                503, "provider_unavailable", f"The identity provider cannot check tokens: {exc}"
            ) from exc
        if person is None:
            raise ApiError(401, "unauthenticated", "The access token was not accepted.")
        request.state.bearer = True
    else:
        person = signed_in(request)
        if person is None:
            raise ApiError(
                401,
                "unauthenticated",
                "Sign in at /hr/sign-in, or send an OIDC access token or an API key "
                "as 'Authorization: Bearer'.",
            )
    access = _access(request, session, person)
    if not access.has_any:
        _refuse(request, session, access, "no role")
        raise ApiError(403, "forbidden", f"{person.email} has no role in the HR console.")
    return access


def require_program(request: Request, session: Session, access: Access, program: str) -> None:
    """Refuses (and records) a program outside the person's scope. The same
    answer whether or not the program exists, so scope does not leak names."""
    if access.may_see(program):
        return
    _refuse(request, session, access, f"program {program!r} is not in scope")
    message = f"The program {program!r} is not among the programs you manage."
    if request.url.path.startswith("/api/"):
        raise ApiError(403, "forbidden", message)
    raise NoAccess(access.person, message)


def require_administrator(request: Request, session: Session, access: Access) -> None:
    """Refuses (and records) anyone but an HR administrator: the directory,
    the HR system, the audit log, API keys."""
    if access.administrator:
        return
    _refuse(request, session, access, "administrators only")
    message = "Only an HR administrator may open this."
    if request.url.path.startswith("/api/"):
        raise ApiError(403, "forbidden", message)
    raise NoAccess(access.person, message)


ConsoleAccess = Annotated[Access, Depends(console_access)]
ApiAccess = Annotated[Access, Depends(api_access)]
