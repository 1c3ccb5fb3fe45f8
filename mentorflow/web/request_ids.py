"""A request id on every request: from a proxy's ``X-Request-ID`` when it is
sane, else a fresh one. Audit rows carry it, so a row leads to the log line."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable

from fastapi import Request, Response

_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", ""))


async def assign_request_id(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    given = request.headers.get("x-request-id", "")
    request.state.request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
    response = await call_next(request)
    response.headers["X-Request-ID"] = request.state.request_id
    return response
