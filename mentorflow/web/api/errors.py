"""The API's error body and the responses every route documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ApiErrorBody(BaseModel):
    #: Stable, for programs: ``unauthenticated``, ``forbidden``, ``csrf``, ``not_found``.
    code: str
    #: For people.
    message: str
    #: One line a reason, when the engine refused (code ``refused``).
    reasons: list[str] | None = None


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        401: "Not signed in, or the bearer token was not accepted",
        403: "Signed in without access to this (or a missing CSRF token)",
        404: "No such thing",
        409: "Refused by the rules, or it exists already (code refused, conflict); nothing changed",
        422: "The input cannot be used as given; nothing was changed (code invalid)",
        503: "Temporal or a worker is not answering; nothing was changed",
    }
    return {s: {"model": ApiErrorBody, "description": described[s]} for s in statuses}
