"""CSRF: every state-changing request under ``/hr`` and every cookie-
authenticated one under ``/api/v1`` carries the session's token, as the
``csrf_token`` form field or the ``X-CSRF-Token`` header. Without it the
request is refused before its route runs, so nothing changes.

A bearer-token API call needs none: a browser never adds that header by itself.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from mentorflow.audit import AuditAction, AuditResult
from mentorflow.web.audit_trail import audit
from mentorflow.web.auth.guard import ApiError
from mentorflow.web.auth.session import csrf_token
from mentorflow.web.deps import SessionDep
from mentorflow.web.errors import PageError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM_FIELD = "csrf_token"
HEADER = "x-csrf-token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _sent_token(request: Request) -> str:
    if header := request.headers.get(HEADER):
        return header
    if request.headers.get("content-type", "").startswith(FORM_TYPES):
        # Starlette keeps the parsed form on the request: the route reads it again.
        form = await request.form()
        value = form.get(FORM_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def csrf_protected(request: Request, session: SessionDep) -> None:
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if request.headers.get("x-api-key"):  # an API key, like a bearer token
        return
    expected = csrf_token(request)
    sent = await _sent_token(request)
    if expected and sent and hmac.compare_digest(expected.encode(), sent.encode()):
        return
    audit(
        request,
        session,
        AuditAction.ACCESS,
        AuditResult.REFUSED,
        target=request.url.path,
        detail={"reason": "missing or wrong CSRF token", "method": request.method},
    )
    message = "This request did not carry the form's security token; nothing was changed."
    if request.url.path.startswith("/api/"):
        raise ApiError(403, "csrf", message)
    raise PageError(403, "Please try again from the page", message + " Reload the page and retry.")
