"""A real SCIM 2.0 service for tests: scim2-server's WSGI application over an
in-memory store, on a free loopback port in a thread, requiring a bearer token,
behind a fault-injecting middleware that plays the HR system on a bad day
(429 with ``Retry-After``, 5xx, a garbage page at a given ``startIndex``).

Fixtures: import ``scim_server_fixture`` (and ``scim_connection_fixture``) into
a test module, then ask for them by their fixture names:

* ``scim_server``: a fresh, empty service per test (``ScimTestServer``);
* ``scim_connection``: a ``ScimConnection`` to it with the right token.

Seed it with ``scim_server.seed(records)`` (directory records, incl. the
enterprise extension: employeeNumber, department, manager → the manager's SCIM
id) or ``scim_server.create_user(payload)`` for a hand-made user.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from scim2_models import UnauthorizedException
from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.memory import InMemoryStorage
from scim2_server.requests import ScimRequest
from scim2_server.utils import load_default_provider

from mentorflow.hris.diff import DirectoryRecord
from mentorflow.hris.scim_source import ScimConnection

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_JSON = "application/scim+json"

#: Rewrites the JSON of a real ``/Users`` page (returns what to send instead).
PageRewrite = Callable[[Any], Any]


class _TokenProtectedApp(WSGIApplication):
    """scim2-server's application, refusing requests without the bearer token."""

    def __init__(self, token: str) -> None:
        super().__init__(InMemoryStorage(), load_default_provider())
        self.token = token

    def check_auth(self, request: ScimRequest) -> None:
        if request.header("Authorization") != f"Bearer {self.token}":
            raise UnauthorizedException(detail="invalid bearer token")


@dataclass
class _Planned:
    #: None: let the real service answer (after ``delay``).
    status: int | None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    delay: float = 0.0


@dataclass
class ScimFaults:
    """What the middleware does instead of (or to) the real service's answer.

    Request numbers count the requests that reach the service after the fault
    was armed: ``fail_request(1, 429)`` answers the very next request.
    """

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: int = 0
    _planned: dict[int, _Planned] = field(default_factory=dict)
    _pages: dict[int, PageRewrite | bytes] = field(default_factory=dict)
    #: Every ``/Users`` query seen, as its parsed query string (for assertions).
    user_queries: list[dict[str, str]] = field(default_factory=list)

    def fail_request(self, k: int, status: int, retry_after: str | None = None) -> None:
        """Answer the k-th request from now with ``status`` (a SCIM Error body);
        ``retry_after`` becomes a ``Retry-After`` header (seconds or HTTP date)."""
        headers = [("Content-Type", SCIM_JSON)]
        if retry_after is not None:
            headers.append(("Retry-After", retry_after))
        body = json.dumps({"schemas": [ERROR], "status": str(status), "detail": "injected"})
        with self._lock:
            self._planned[self._seen + k] = _Planned(status, headers, body.encode())

    def delay_request(self, k: int, seconds: float) -> None:
        """Let the k-th request from now wait ``seconds`` before the real answer."""
        with self._lock:
            self._planned[self._seen + k] = _Planned(None, delay=seconds)

    def garbage_page(self, start_index: int, garbage: PageRewrite | bytes | Any) -> None:
        """Answer 200 with garbage to every ``/Users`` query at ``start_index``:
        raw ``bytes`` (e.g. invalid JSON), a function rewriting the real page's
        JSON (e.g. dropping a user's id), or any JSON value sent as it is."""
        if not (callable(garbage) or isinstance(garbage, bytes)):
            garbage = json.dumps(garbage).encode()
        with self._lock:
            self._pages[start_index] = garbage

    def clear(self) -> None:
        with self._lock:
            self._planned.clear()
            self._pages.clear()

    def _next(self, environ: dict[str, Any]) -> tuple[_Planned | None, PageRewrite | bytes | None]:
        with self._lock:
            self._seen += 1
            planned = self._planned.pop(self._seen, None)
            rewrite = None
            if environ["REQUEST_METHOD"] == "GET" and environ["PATH_INFO"].endswith("/Users"):
                query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
                self.user_queries.append(query)
                rewrite = self._pages.get(int(query.get("startIndex", "1")))
            return planned, rewrite


class _FaultInjector:
    """WSGI middleware in front of the real service."""

    def __init__(self, app: WSGIApplication, faults: ScimFaults) -> None:
        self.app = app
        self.faults = faults

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        planned, rewrite = self.faults._next(environ)
        if planned is not None:
            time.sleep(planned.delay)
            if planned.status is not None:
                return _send(start_response, planned.status, planned.headers, planned.body)
        if rewrite is None:
            return self.app(environ, start_response)
        if isinstance(rewrite, bytes):
            return _send(start_response, 200, [("Content-Type", SCIM_JSON)], rewrite)
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            answer["status"] = int(status.split()[0])

        real = json.loads(b"".join(self.app(environ, capture)))
        body = json.dumps(rewrite(real)).encode()
        return _send(start_response, answer["status"], [("Content-Type", SCIM_JSON)], body)


def _send(
    start_response: Callable[..., Any], status: int, headers: list[tuple[str, str]], body: bytes
) -> list[bytes]:
    start_response(
        f"{status} {HTTPStatus(status).phrase}", [*headers, ("Content-Length", str(len(body)))]
    )
    return [body]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@dataclass
class ScimTestServer:
    url: str
    token: str
    faults: ScimFaults
    #: Seeds the service over its own protocol (one connection for speed).
    http: httpx.Client

    def connection(self, page_size: int = 10, token: str | None = None) -> ScimConnection:
        return ScimConnection(
            url=self.url, token=token or self.token, page_size=page_size, timeout_seconds=5
        )

    def create_user(self, payload: dict[str, Any]) -> str:
        """POST a User as it is; its SCIM id."""
        response = self.http.post(
            f"{self.url}/Users",
            json=payload,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": SCIM_JSON},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def seed(self, records: Sequence[DirectoryRecord]) -> dict[str, str]:
        """Create one User per record, managers before their reports so that
        ``manager.value`` can name the manager's SCIM id (a manager who is not
        among the records is left out). Employee id → SCIM id."""
        scim_ids: dict[str, str] = {}
        pending = list(records)
        known = {record.employee_id for record in records}
        while pending:
            ready = [
                r
                for r in pending
                if r.manager_id is None or r.manager_id not in known or r.manager_id in scim_ids
            ]
            assert ready, f"manager cycle among {[r.employee_id for r in pending]}"
            for record in ready:
                scim_ids[record.employee_id] = self.create_user(scim_payload(record, scim_ids))
            pending = [r for r in pending if r.employee_id not in scim_ids]
        return scim_ids


def scim_payload(record: DirectoryRecord, scim_ids: dict[str, str]) -> dict[str, Any]:
    """A directory record as an HR system would publish it over SCIM."""
    enterprise: dict[str, Any] = {"employeeNumber": record.employee_id}
    if record.department:
        enterprise["department"] = record.department
    if record.manager_id in scim_ids:
        enterprise["manager"] = {"value": scim_ids[record.manager_id]}
    payload: dict[str, Any] = {
        "schemas": [CORE, ENTERPRISE],
        "userName": record.email,
        "externalId": f"hr-{record.employee_id}",
        "displayName": record.name,
        "active": record.active,
        "timezone": record.timezone,
        "emails": [{"value": record.email, "type": "work", "primary": True}],
        ENTERPRISE: enterprise,
    }
    if record.title:
        payload["title"] = record.title
    if record.location:
        payload["addresses"] = [{"type": "work", "locality": record.location, "primary": True}]
    return payload


@pytest.fixture(name="scim_server")
def scim_server_fixture() -> Iterator[ScimTestServer]:
    """A fresh SCIM service per test (an empty store starts in milliseconds)."""
    token = secrets.token_urlsafe(16)
    faults = ScimFaults()
    httpd = make_server(
        "127.0.0.1",
        0,
        _FaultInjector(_TokenProtectedApp(token), faults),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    # A short poll so that shutting down takes milliseconds, not half a second.
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="scim-server", daemon=True
    )
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_port}/v2"
    try:
        with httpx.Client() as http:
            yield ScimTestServer(url, token, faults, http)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(name="scim_connection")
def scim_connection_fixture(scim_server: ScimTestServer) -> ScimConnection:
    return scim_server.connection()
