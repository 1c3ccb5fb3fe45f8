"""What every console and API action shares: who is acting (for the audit
row), the Temporal client, the flash message after a redirect, and how an
``HrError`` from ``mentorflow.hr`` is shown.

Routes stay thin: parse the form, call one operation in ``mentorflow.hr``
with ``actor(request, access)``, then redirect with ``flash`` (the console)
or return the result (the API). An ``HrError`` they let through becomes the
console's error page or the API's JSON error, with a status from its code.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from temporalio.client import Client

from mentorflow.hr.audited import Actor
from mentorflow.hr.errors import HrError, Refused
from mentorflow.web.auth.guard import ApiError
from mentorflow.web.auth.roles import Access
from mentorflow.web.auth.session import Tone, csrf_token, flash, safe_destination, signed_in
from mentorflow.web.errors import unreachable
from mentorflow.web.request_ids import request_id
from mentorflow.web.templating import render

#: An ``HrError`` code as an HTTP status.
STATUS_OF_CODE = {
    "not_found": 404,
    "conflict": 409,
    "invalid": 422,
    "forbidden": 403,
    "refused": 409,
    "did_not_start": 503,
    "still_running": 202,
}


def actor(request: Request, access: Access) -> Actor:
    """The signed-in person, with the request id their audit row carries."""
    return Actor(who=access.person.email, request_id=request_id(request))


async def temporal(request: Request) -> Client:
    """The Temporal client, or the "try again in a few minutes" page (a JSON
    503 for the API)."""
    try:
        client: Client = await request.app.state.temporal.client()
    except Exception as exc:  # any connect failure: nothing was changed
        if request.url.path.startswith("/api/"):
            raise ApiError(
                503,
                "temporal_unavailable",
                "Temporal cannot be reached; nothing was changed.",
            ) from exc
        raise unreachable() from exc
    return client


def done(
    request: Request, destination: str, message: str, tone: Tone = "success"
) -> RedirectResponse:
    """After a console action: back to a page, which shows ``message``."""
    flash(request, message, tone)
    # 303: the browser follows with GET, so a reload does not post again.
    return RedirectResponse(destination, 303)


def hr_error_body(exc: HrError) -> dict[str, object]:
    body: dict[str, object] = {"code": exc.code, "message": exc.message}
    if isinstance(exc, Refused):
        body["reasons"] = exc.reasons
    return body


def _back(request: Request) -> str:
    # The page the form was on, when it is one of ours.
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/hr"
    return safe_destination(referer.path + (f"?{referer.query}" if referer.query else ""))


async def _console_hr_error(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, HrError)
    reasons = exc.reasons if isinstance(exc, Refused) else exc.message.splitlines()
    return render(
        request,
        request.app.state.templates,
        "hr/action_failed.html",
        STATUS_OF_CODE.get(exc.code, 500),
        hr_person=signed_in(request),
        csrf_token=csrf_token(request),
        code=exc.code,
        reasons=reasons,
        back=_back(request),
    )


async def _api_hr_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HrError)
    return JSONResponse(hr_error_body(exc), status_code=STATUS_OF_CODE.get(exc.code, 500))


def install_console_errors(app: FastAPI) -> None:
    app.add_exception_handler(HrError, _console_hr_error)


def install_api_errors(api: FastAPI) -> None:
    api.add_exception_handler(HrError, _api_hr_error)
