"""An API operation that needs Temporal, while Temporal cannot be reached,
answers with the documented 503 JSON (``temporal_unavailable``), not a 500
or the console's HTML page: the fuzz test relies on it for every such route."""

from __future__ import annotations

from pathlib import Path

from fastapi import Request
from fastapi.testclient import TestClient
from starlette.routing import Mount

from mentorflow.settings import Settings
from mentorflow.web import create_app
from mentorflow.web.console.actions import temporal
from tests.conftest import free_port


def test_unreachable_temporal_is_a_503_json(tmp_path: Path, sqlite_url: str) -> None:
    settings = Settings(
        var_dir=tmp_path,
        database_url=sqlite_url,
        secret_key="test-secret",
        temporal_address=f"127.0.0.1:{free_port()}",  # nothing listens
    )
    app = create_app(settings)
    api = next(r.app for r in app.routes if isinstance(r, Mount) and r.path == "/api/v1")

    # A stand-in for any route that calls Temporal: the same helper they use.
    @api.get("/probe-temporal")
    async def probe(request: Request) -> dict[str, str]:
        await temporal(request)
        return {}

    with TestClient(app) as client:
        response = client.get("/api/v1/probe-temporal")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == "temporal_unavailable"
