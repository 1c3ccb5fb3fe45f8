"""The HR session inside Starlette's signed session cookie.

The cookie (itsdangerous-signed, HttpOnly, SameSite=Lax, Secure over HTTPS)
carries the person's email, name and groups, when they signed in and the CSRF
token of the session. Signing in replaces whatever the cookie held, so a
session planted before sign-in cannot be carried into it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any, Literal

from pydantic import ValidationError
from starlette.requests import HTTPConnection

from mentorflow.web.auth.roles import HrPerson

SESSION_KEY = "hr"
NEXT_KEY = "hr_next"
COOKIE_NAME = "mentorflow_hr"
FLASH_KEY = "hr_flash"

Tone = Literal["success", "warning", "error"]


def session_secret(secret_key: str) -> str:
    """A key of its own for the cookie, derived from the app's secret: a
    signature made for a participant's link never verifies as a session."""
    return hmac.new(secret_key.encode(), b"mentorflow hr session", hashlib.sha256).hexdigest()


def start_session(request: HTTPConnection, person: HrPerson) -> None:
    destination = request.session.get(NEXT_KEY)
    request.session.clear()
    request.session[SESSION_KEY] = {
        **person.model_dump(),
        "csrf": secrets.token_urlsafe(32),
        "since": int(time.time()),
    }
    if destination:
        request.session[NEXT_KEY] = destination


def end_session(request: HTTPConnection) -> None:
    request.session.clear()


def _stored(request: HTTPConnection) -> dict[str, Any] | None:
    if "session" not in request.scope:
        return None
    stored = request.session.get(SESSION_KEY)
    return stored if isinstance(stored, dict) else None


def signed_in(request: HTTPConnection) -> HrPerson | None:
    stored = _stored(request)
    if stored is None:
        return None
    try:
        return HrPerson.model_validate(
            {k: stored.get(k) for k in ("email", "name", "groups") if k in stored}
        )
    except ValidationError:
        return None


def csrf_token(request: HTTPConnection) -> str:
    """The session's CSRF token; empty without a session (no form can pass)."""
    stored = _stored(request)
    token = stored.get("csrf") if stored else None
    return token if isinstance(token, str) else ""


def take_destination(request: HTTPConnection) -> str:
    """Where the person was going before sign-in, once."""
    destination = request.session.pop(NEXT_KEY, None)
    return safe_destination(destination)


def safe_destination(value: object) -> str:
    # Only a path on this site under /hr: never another host (an open redirect).
    if (
        isinstance(value, str)
        and value.startswith("/hr")
        and "//" not in value
        and "\\" not in value
    ):
        return value
    return "/hr"


def flash(request: HTTPConnection, message: str, tone: Tone = "success") -> None:
    """A message for the next console page (Post/Redirect/Get)."""
    request.session[FLASH_KEY] = {"message": message, "tone": tone}


def take_flash(request: HTTPConnection) -> dict[str, str] | None:
    if "session" not in request.scope:
        return None
    found = request.session.pop(FLASH_KEY, None)
    return found if isinstance(found, dict) else None
