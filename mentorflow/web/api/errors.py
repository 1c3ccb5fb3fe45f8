"""The API's error body and the responses every route documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ApiErrorBody(BaseModel):
    #: Stable, for programs: ``unauthenticated``, ``forbidden``, ``csrf``,
    #: ``not_found``, ``conflict``, ``invalid``, ``refused``,
    #: ``temporal_unavailable``, ``provider_unavailable``.
    code: str
    #: For people.
    message: str
    #: A refusal's reasons, one a line (``refused``).
    reasons: list[str] | None = None
    #: What was not valid in the request (``invalid``), as FastAPI reports it.
    errors: list[dict[str, Any]] | None = None


DESCRIBED = {
    401: "Not signed in, or the bearer token or API key was not accepted",
    403: "Signed in without access to this (or a missing CSRF token)",
    404: "No such thing",
    409: "Refused by the rules, or it conflicts with what exists (code refused, conflict)",
    422: "The input cannot be used as given; nothing was changed (code 'invalid')",
    503: "Temporal or the identity provider cannot be reached; nothing was changed",
}


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ApiErrorBody, "description": DESCRIBED[s]} for s in statuses}
