"""How the guard's refusals look: a redirect to sign in, the polite "no
access" page, or the API's JSON error."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from mentorflow.web.auth.guard import ApiError, NoAccess, SignInRequired
from mentorflow.web.auth.session import csrf_token, signed_in, take_flash
from mentorflow.web.templating import render


def console_page(
    request: Request, templates: Jinja2Templates, name: str, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    """A console page, with who is signed in and the token its forms carry."""
    return render(
        request,
        templates,
        name,
        status_code,
        hr_person=signed_in(request),
        csrf_token=csrf_token(request),
        flash=take_flash(request),
        hr_access=getattr(request.state, "access", None),
        **ctx,
    )


def api_error(status_code: int, code: str, message: str) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
    return JSONResponse(
        {"code": code, "message": message}, status_code=status_code, headers=headers
    )


async def _sign_in_required(request: Request, exc: Exception) -> RedirectResponse:
    assert isinstance(exc, SignInRequired)
    # 303: the browser asks for the sign-in page with GET whatever it sent.
    return RedirectResponse(f"/hr/sign-in?{urlencode({'next': exc.destination})}", 303)


async def _no_access(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, NoAccess)
    return console_page(
        request,
        request.app.state.templates,
        "hr/no_access.html",
        403,
        person=exc.person,
        message=exc.message,
    )


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return api_error(exc.status_code, exc.code, exc.message)


def install_auth_responses(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(NoAccess, _no_access)
    app.add_exception_handler(ApiError, _api_error)
