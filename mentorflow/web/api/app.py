"""The ``/api/v1`` application, mounted into the web app and sharing its state
(settings, database, identity provider)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.datastructures import State
from starlette.exceptions import HTTPException

from mentorflow.web.api import (
    api_keys,
    applications,
    audit_log,
    cohort,
    cohort_insights,
    cohorts,
    directory,
    hris,
    launch,
    notices,
    pairs,
    people,
    programs,
    review,
    rounds,
)
from mentorflow.web.api.contract import install_contract
from mentorflow.web.auth.responses import api_error, install_auth_responses
from mentorflow.web.console.actions import install_api_errors
from mentorflow.web.errors import PageError

API_PREFIX = "/api/v1"


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400:  # a body that does not parse: invalid, like any other
        return api_error(422, "invalid", f"The request is not valid: {exc.detail}")
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "error")
    return api_error(exc.status_code, code, str(exc.detail))


async def _page_error(request: Request, exc: Exception) -> JSONResponse:
    # A helper meant for pages (``temporal()``'s 503) raised under the API.
    assert isinstance(exc, PageError)
    code = {503: "temporal_unavailable", 404: "not_found", 403: "forbidden"}
    return api_error(exc.status_code, code.get(exc.status_code, "error"), exc.message)


async def _invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Where and what only: the input and context may not be JSON (bytes, an
    # exception), and echoing input back is not needed.
    errors = [
        {
            "loc": [str(part) for part in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    return JSONResponse(
        {"code": "invalid", "message": "The request is not valid.", "errors": errors},
        status_code=422,
    )


def create_api(state: State) -> FastAPI:
    api = FastAPI(
        title="mentorflow HR API",
        version="1",
        description=(
            "HR's programs and cohorts. Authenticate with the HR console's session "
            "cookie (state-changing requests then carry X-CSRF-Token) or with an "
            "OpenID Connect access token or an API key (mfk_...) as "
            "'Authorization: Bearer' (or the key as X-API-Key). Errors are JSON "
            "with a stable 'code' and a 'message'."
        ),
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    # One state for both: request.app is the API inside the mount.
    api.state = state
    install_auth_responses(api)
    install_api_errors(api)
    api.add_exception_handler(HTTPException, _http_error)
    api.add_exception_handler(RequestValidationError, _invalid)
    api.add_exception_handler(PageError, _page_error)
    api.include_router(cohorts.router)
    api.include_router(directory.router)
    api.include_router(hris.router)
    api.include_router(notices.router)
    api.include_router(cohort.router)
    api.include_router(launch.router)
    api.include_router(applications.router)
    api.include_router(review.router)
    api.include_router(rounds.router)
    api.include_router(pairs.router)
    api.include_router(cohort_insights.router)
    api.include_router(programs.router)
    api.include_router(people.router)
    api.include_router(audit_log.router)
    api.include_router(api_keys.router)
    install_contract(api)
    return api
