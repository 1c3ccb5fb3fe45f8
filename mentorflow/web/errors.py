"""Problems a person can meet on a link page, each shown as a friendly page
with a fitting HTTP status; none of them changes anything."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from mentorflow.links import LinkError, LinkExpired, LinkInvalid
from mentorflow.web.templating import message_page


class PageError(Exception):
    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


def unreachable() -> PageError:
    return PageError(
        503,
        "Please try again in a few minutes",
        "The mentoring service cannot be reached right now. Nothing was changed; "
        "your link still works.",
    )


def link_not_valid() -> PageError:
    """A genuine link whose workflow does not exist (never did, or is long
    purged): nothing to retry, so a 4xx like any other link that is not valid."""
    return PageError(
        404,
        "This link does not work",
        LinkInvalid.reason + " Please open it again from the email, or copy the whole address.",
    )


def mentorship_gone() -> PageError:
    return PageError(
        410,
        "This mentorship is no longer running",
        "There is nothing left to do with this link.",
    )


async def _page_error(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, PageError)
    tone = "error" if exc.status_code >= 500 else "warning"
    return message_page(
        request, request.app.state.templates, exc.title, exc.message, exc.status_code, tone
    )


async def _link_error(request: Request, exc: Exception) -> HTMLResponse:
    assert isinstance(exc, LinkError)
    expired = isinstance(exc, LinkExpired)
    title = "This link has expired" if expired else "This link does not work"
    message = exc.reason + (
        " Newer emails from the program carry fresh links."
        if expired
        else " Please open it again from the email, or copy the whole address."
    )
    return message_page(
        request, request.app.state.templates, title, message, 410 if expired else 400, "warning"
    )


async def _outer_http_error(request: Request, exc: Exception) -> Response:
    """An address under ``/api/`` the API's mount does not take (its path
    holds a newline, which the mount's pattern does not match) still answers
    in the API's error shape, as its document promises."""
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        from mentorflow.web.auth.responses import api_error

        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
        return api_error(exc.status_code, code, str(exc.detail))
    return await http_exception_handler(request, exc)


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _outer_http_error)
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(LinkError, _link_error)
