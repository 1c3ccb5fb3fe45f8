"""The API's error body and the responses every route documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ApiErrorBody(BaseModel):
    #: Stable, for programs: ``unauthenticated``, ``forbidden``, ``csrf``, ``not_found``.
    code: str
    #: For people.
    message: str


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        401: "Not signed in, or the bearer token was not accepted",
        403: "Signed in without access to this (or a missing CSRF token)",
        404: "No such thing",
        422: "The request is not valid (a parameter out of range)",
    }
    return {s: {"model": ApiErrorBody, "description": described[s]} for s in statuses}
