"""The cohort over the JSON API with bearer tokens, on the dev Temporal
server with a worker: launch (a broken file is a 422 with its file:line
problems), applications (import with the row report, one by JSON, filters),
close, review (a forced pair refused with the engine's reasons, the preview
saying the same), approve. Ben's token is refused every route of Anna's
cohort; a cookie call without the CSRF token changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.conftest import SmtpServer
from tests.support.cohort_console import (
    APPLICATIONS,
    BROKEN_PROGRAM_FILE,
    PROGRAM_FILE,
    cohort_console,
    cohort_status,
    end_cohort,
    eventually,
    in_pool,
)
from tests.support.hr import ANNA, BEN, PROGRAM_A, PROGRAM_B, Console

COHORT = "eng-api"


@pytest.fixture
async def console(
    dev_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[Console]:
    async with cohort_console(tmp_path, sqlite_url, dev_env, smtp_server.port, task_queue) as c:
        try:
            yield c
        finally:
            await end_cohort(dev_env, COHORT)


async def _api(console: Console, email: str) -> httpx.AsyncClient:
    token = await console.access_token(email)
    return httpx.AsyncClient(
        base_url=f"{console.base_url}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


async def test_anna_runs_a_cohort_over_the_api(console: Console) -> None:
    async with await _api(console, ANNA) as api:
        launch = f"/programs/{PROGRAM_A}/cohorts"
        broken = await api.post(
            launch,
            json={
                "name": COHORT,
                "program_file": BROKEN_PROGRAM_FILE.decode(),
                "filename": "a.yaml",
            },
        )
        assert broken.status_code == 422 and broken.json()["code"] == "invalid", broken.text
        assert "a.yaml:3: cadence:" in broken.json()["message"]
        assert cohort_status(console.db_url, COHORT) is None
        # A file for another program than the path says.
        other = PROGRAM_FILE.replace(b"Engineering Mentoring", PROGRAM_B.encode())
        wrong = await api.post(launch, json={"name": COHORT, "program_file": other.decode()})
        assert wrong.status_code == 422, wrong.text

        launched = await api.post(
            launch,
            json={"name": COHORT, "closes_in": "P1D", "program_file": PROGRAM_FILE.decode()},
        )
        assert launched.status_code == 201, launched.text
        assert launched.json()["program_name"] == PROGRAM_A
        again = await api.post(launch, json={"name": COHORT, "closes_in": "P1D"})
        assert again.status_code == 409 and again.json()["code"] == "conflict", again.text

        cohort = (await api.get(f"/cohorts/{COHORT}")).json()
        assert cohort["status"] == "open" and cohort["program"] == PROGRAM_A
        assert cohort["dates"]["approved_at"] is None

        # Import: the row report, by line; the second time, duplicates.
        lines = APPLICATIONS.decode().splitlines()
        without_e5 = "\n".join(lines[:-1]) + "\n"
        imported = await api.post(
            f"/cohorts/{COHORT}/applications/import",
            content=without_e5,
            headers={"Content-Type": "text/csv"},
        )
        assert imported.status_code == 200, imported.text
        report = imported.json()
        assert [r["employee_id"] for r in report["submitted"]] == ["B2", "D4", "A1", "C3"]
        assert [(r["line"], r["field"]) for r in report["rejected"]] == [(3, "role")]
        assert report["rejected"][0]["text"] == (
            "rejected applications.csv:3: role: 'boss' is not one of mentee, mentor, both (X9)"
        )
        again = await api.post(
            f"/cohorts/{COHORT}/applications/import",
            content=without_e5,
            headers={"Content-Type": "text/csv"},
        )
        assert len(again.json()["duplicates"]) == 4 and not again.json()["submitted"]
        # One application as JSON: the same checks as a row.
        one = await api.post(
            f"/cohorts/{COHORT}/applications",
            json={
                "employee_id": "E5",
                "role": "mentee",
                "goals": "Security",
                "languages": ["English"],
            },
        )
        assert one.status_code == 200 and len(one.json()["submitted"]) == 1, one.text
        unknown = await api.post(
            f"/cohorts/{COHORT}/applications", json={"employee_id": "Z0", "role": "mentee"}
        )
        assert "not an active employee" in unknown.json()["rejected"][0]["message"]
        await eventually(in_pool(console.db_url, COHORT, 5))

        mentors = await api.get(f"/cohorts/{COHORT}/applications", params={"role": "mentor"})
        assert sorted(r["employee_id"] for r in mentors.json()["rows"]) == ["B2", "D4"]
        found = await api.get(f"/cohorts/{COHORT}/applications", params={"q": "eve.ever"})
        assert [r["name"] for r in found.json()["rows"]] == ["Eve Ever"]
        assert found.json()["counts"]["approved"] == 5

        closed = await api.post(f"/cohorts/{COHORT}/close")
        assert closed.status_code == 200, closed.text
        late = await api.post(f"/cohorts/{COHORT}/close")
        assert late.status_code == 409 and late.json()["code"] == "refused"
        await eventually(lambda: cohort_status(console.db_url, COHORT) == "review")

        review = (await api.get(f"/cohorts/{COHORT}/review")).json()
        pairs = {(p["mentor_id"], p["mentee_id"]) for p in review["review"]["proposal"]["pairs"]}
        assert ("B2", "E5") in pairs and len(pairs) == 3, pairs
        assert review["review"]["proposal"]["pairs"][0]["explanation"]

        forced = {"force": [{"mentor_id": "D4", "mentee_id": "E5"}]}
        preview = (await api.post(f"/cohorts/{COHORT}/review/preview", json=forced)).json()
        assert "reporting_line" in preview["refusals"][0]
        assert preview["refusals"][1] == "D4 would have 3 mentees but offered room for 2"
        assert preview["forced"][0]["broken"] == ["reporting_line: D4 is in E5's management chain"]
        refused = await api.post(f"/cohorts/{COHORT}/review", json={"overrides": forced})
        assert refused.status_code == 409 and refused.json()["code"] == "refused"
        assert "reporting_line" in refused.json()["reasons"][0]

        drop = {"drop": [{"mentor_id": "D4", "mentee_id": "A1"}]}
        approved = await api.post(f"/cohorts/{COHORT}/review", json={"overrides": drop})
        assert approved.status_code == 200, approved.text
        assert approved.json()["message"] == "Approved: 2 pairs start now."

    rows = [r for r in console.audit_rows() if r.actor == ANNA and r.result == "ok"]
    assert [r.action for r in rows if r.action in ("launch", "close", "approve")] == [
        "launch",
        "close",
        "approve",
    ]
    assert next(r for r in rows if r.action == "approve").detail["drop"] == ["D4:A1"]


async def test_ben_is_refused_annas_cohort_and_csrf_is_required(console: Console) -> None:
    async with await _api(console, ANNA) as api:
        launched = await api.post(
            f"/programs/{PROGRAM_A}/cohorts",
            json={"name": COHORT, "closes_in": "P1D", "program_file": PROGRAM_FILE.decode()},
        )
        assert launched.status_code == 201, launched.text
        # Anna may not start a brand-new program, nor take over Ben's.
        new = PROGRAM_FILE.replace(b"Engineering Mentoring", b"Brand New")
        brand_new = await api.post(
            "/programs/Brand New/cohorts", json={"name": "new-1", "program_file": new.decode()}
        )
        assert brand_new.status_code == 403 and brand_new.json()["code"] == "forbidden"
        assert "administrator" in brand_new.json()["message"]

    async with await _api(console, BEN) as ben:
        for method, path, body in (
            ("GET", f"/cohorts/{COHORT}", None),
            ("GET", f"/cohorts/{COHORT}/applications", None),
            ("POST", f"/cohorts/{COHORT}/applications", {"employee_id": "A1", "role": "mentee"}),
            ("POST", f"/cohorts/{COHORT}/close", None),
            ("GET", f"/cohorts/{COHORT}/review", None),
            ("POST", f"/cohorts/{COHORT}/review", {"rerun": True}),
            ("POST", f"/programs/{PROGRAM_A}/cohorts", {"name": "ben-1"}),
        ):
            response = await ben.request(method, path, json=body)
            assert response.status_code == 403, (path, response.text)
            assert response.json()["code"] == "forbidden"
        # A file naming Ben for Anna's program takes nothing over.
        takeover = PROGRAM_FILE.replace(ANNA.encode(), BEN.encode())
        response = await ben.post(
            f"/programs/{PROGRAM_A}/cohorts",
            json={"name": "ben-2", "program_file": takeover.decode()},
        )
        assert response.status_code == 403, response.text

    # A cookie-authenticated call without X-CSRF-Token: refused, still open.
    async with httpx.AsyncClient(base_url=console.base_url) as anonymous:
        response = await anonymous.post(f"/api/v1/cohorts/{COHORT}/close")
        assert response.status_code in (401, 403)
    assert cohort_status(console.db_url, COHORT) == "open"


def test_the_openapi_document_describes_the_cohort_routes(tmp_path: Path, sqlite_url: str) -> None:
    from fastapi.testclient import TestClient

    from mentorflow.settings import Settings
    from mentorflow.web import create_app

    app = create_app(Settings(var_dir=tmp_path, database_url=sqlite_url, secret_key="s"))
    paths = TestClient(app).get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/programs/{name}/cohorts"])
    assert set(paths["/cohorts/{name}/review"]) == {"get", "post"}
    for path in ("/cohorts/{name}/close", "/cohorts/{name}/applications/import"):
        assert {"401", "403", "503"} <= set(paths[path]["post"]["responses"])
    approve = paths["/cohorts/{name}/review"]["post"]["responses"]
    assert {"200", "409", "422"} <= set(approve)
    assert (
        "text/csv" in paths["/cohorts/{name}/applications/import"]["post"]["requestBody"]["content"]
    )


async def test_with_temporal_out_of_reach_the_api_answers_json(
    tmp_path: Path, sqlite_url: str
) -> None:
    from tests.conftest import free_port
    from tests.support.hr import hr_console

    async with hr_console(tmp_path, sqlite_url) as console:
        # Nothing listens on the configured Temporal address.
        console.settings.temporal_address = f"127.0.0.1:{free_port()}"
        async with await _api(console, ANNA) as api:
            response = await api.post("/cohorts/eng-2027-spring/close")
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "temporal_unavailable"
