"""The HRIS as a SCIM 2.0 service: one page of ``/Users`` at a time.

A sync reads page after page (``startIndex`` / ``count``) so that a worker that
dies half-way resumes at the page it stopped at. Each failure is classified for
the caller's retry policy:

* ``ScimRateLimited`` (429): wait ``retry_after``, then try again;
* ``ScimUnavailable`` (5xx, refused connection, timeout): try again later;
* ``ScimRefused`` (401, 403, 404 …): a configuration problem, retrying won't help;
* ``HrisSourceError`` (a page we cannot read: bad JSON, not a ListResponse, a
  user without id, employee number or valid email): the service sent something
  we must not trust, and the message names the page and the user at fault.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx2
from pydantic import BaseModel
from scim2_client import (
    RequestNetworkException,
    SCIMClientException,
    UnexpectedContentFormatException,
)
from scim2_client.engines.httpx2 import AsyncSCIMClient
from scim2_models import EnterpriseUser, ResourceType, ScimProvider, SearchRequest, User

from mentorflow.hris.csv_source import HrisSourceError
from mentorflow.hris.scim_mapping import DirectoryUser, ScimUser, directory_from_scim, scim_user
from mentorflow.settings import Settings

__all__ = [
    "ScimConnection",
    "ScimPage",
    "ScimRateLimited",
    "ScimRefused",
    "ScimUnavailable",
    "ScimUser",
    "directory_from_scim",
    "fetch_page",
]

#: When a 429 does not say how long to wait.
DEFAULT_RETRY_AFTER = timedelta(seconds=30)
#: A service asking for longer is asked again after this (a schedule runs hourly).
MAX_RETRY_AFTER = timedelta(minutes=10)

_LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

#: What we expect of the service: Users at ``/Users`` with the enterprise extension.
_PROVIDER = ScimProvider(
    models=[User, EnterpriseUser],
    resource_types=[ResourceType.from_resource(DirectoryUser)],
)


class ScimConnection(BaseModel):
    url: str
    token: str | None = None
    page_size: int = 200
    timeout_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> ScimConnection:
        if not settings.hris_scim_url:
            raise HrisSourceError("no SCIM service configured (MENTORFLOW_HRIS_SCIM_URL)")
        return cls(
            url=settings.hris_scim_url,
            token=settings.hris_scim_token,
            page_size=settings.hris_scim_page_size,
            timeout_seconds=settings.hris_scim_timeout_seconds,
        )


class ScimPage(BaseModel):
    start_index: int
    users: list[ScimUser]
    total_results: int
    #: None when this was the last page.
    next_start_index: int | None


class ScimRateLimited(Exception):
    """429: the service wants us to slow down for ``retry_after``."""

    def __init__(self, message: str, retry_after: timedelta = DEFAULT_RETRY_AFTER) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ScimUnavailable(Exception):
    """5xx, refused connection or timeout: try again later."""


class ScimRefused(HrisSourceError):
    """401, 403, 404 …: a configuration problem (URL, token); retrying won't help."""


async def fetch_page(connection: ScimConnection, start_index: int) -> ScimPage:
    """``GET {url}/Users?startIndex=..&count=page_size``, read and checked whole."""
    headers = {"Authorization": f"Bearer {connection.token}"} if connection.token else {}
    where = f"SCIM page at startIndex {start_index}"
    async with httpx2.AsyncClient(
        base_url=connection.url.rstrip("/") + "/",
        headers=headers,
        timeout=connection.timeout_seconds,
    ) as http:
        scim = AsyncSCIMClient(http, provider=_PROVIDER)
        try:
            payload = await scim.query(
                DirectoryUser,
                query_parameters=SearchRequest(start_index=start_index, count=connection.page_size),
                # The page is read user by user below, so that a bad user is named.
                check_response_payload=False,
                expected_status_codes=[200],
            )
        except RequestNetworkException as exc:
            # A timeout's text is often empty: its class name says what happened.
            reason = str(exc.__cause__) or type(exc.__cause__).__name__
            raise ScimUnavailable(f"{where}: {connection.url} unreachable: {reason}") from exc
        except SCIMClientException as exc:
            response = exc.source if isinstance(exc.source, httpx2.Response) else None
            if response is None or response.status_code == 200:
                problem = "not JSON" if isinstance(exc, UnexpectedContentFormatException) else exc
                raise HrisSourceError(f"{where}: {problem}") from exc
            raise _failure(response, where) from exc
    return _page(payload, start_index, where)


def _page(payload: object, start_index: int, where: str) -> ScimPage:
    if not isinstance(payload, dict) or _LIST_RESPONSE not in (payload.get("schemas") or []):
        raise HrisSourceError(f"{where}: not a SCIM ListResponse")
    total = payload.get("totalResults")
    resources = payload.get("Resources", [])
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise HrisSourceError(f"{where}: totalResults {total!r} is not a count")
    if not isinstance(resources, list):
        raise HrisSourceError(f"{where}: Resources is not a list")
    answered = payload.get("startIndex", start_index)
    if answered != start_index:
        # Stitching pages by the wrong offset would skip or repeat people.
        raise HrisSourceError(f"{where}: the service answered startIndex {answered!r}")
    users = [scim_user(resource, start_index, i) for i, resource in enumerate(resources)]
    last = start_index + len(users) - 1
    if not users and start_index <= total:
        # Going on would loop, stopping would drop people: neither is safe.
        raise HrisSourceError(f"{where}: no users, yet totalResults is {total}")
    return ScimPage(
        start_index=start_index,
        users=users,
        total_results=total,
        next_start_index=last + 1 if last < total else None,
    )


def _failure(response: httpx2.Response, where: str) -> Exception:
    status = response.status_code
    message = f"{where}: the SCIM service answered {status} {response.reason_phrase}"
    if detail := _error_detail(response):
        message = f"{message} ({detail})"
    if status == 429:
        return ScimRateLimited(message, retry_after(response.headers.get("Retry-After")))
    if status >= 500 or status == 408:
        return ScimUnavailable(message)
    if status in (401, 403):
        message = f"{message}: check MENTORFLOW_HRIS_SCIM_TOKEN"
    elif status == 404:
        message = f"{message}: check MENTORFLOW_HRIS_SCIM_URL"
    return ScimRefused(message)


def _error_detail(response: httpx2.Response) -> str:
    """The ``detail`` of a SCIM Error body, if the response carries one."""
    try:
        body = response.json()
    except ValueError:
        return ""
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail)[:200] if detail else ""


def retry_after(value: str | None, now: datetime | None = None) -> timedelta:
    """A ``Retry-After`` header (seconds or an HTTP date) as a wait, capped."""
    if not value or not value.strip():
        return DEFAULT_RETRY_AFTER
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return DEFAULT_RETRY_AFTER
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        wait = when - (now or datetime.now(UTC))
    return max(timedelta(0), min(wait, MAX_RETRY_AFTER))
