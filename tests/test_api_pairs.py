"""``/api/v1`` over a real pair: the same reads and actions as the console,
the same refusals with stable codes, and one audit row per action."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update
from temporalio.testing import WorkflowEnvironment

from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import OutboxMessage
from tests.conftest import SmtpServer
from tests.support.hr import ADA, ANNA, COHORT_A
from tests.support.pair_console import MENTEE, MENTOR, PairConsole, pair_at_risk, pair_console
from tests.support.pairs import snapshot


@pytest.fixture
async def lab(
    time_skipping_env: WorkflowEnvironment,
    smtp_server: SmtpServer,
    sqlite_url: str,
    task_queue: str,
    tmp_path: Path,
) -> AsyncIterator[PairConsole]:
    async with pair_console(
        tmp_path, sqlite_url, time_skipping_env, smtp_server, task_queue
    ) as lab:
        yield lab


async def api(lab: PairConsole, email: str) -> httpx.AsyncClient:
    token = await lab.console.access_token(email)
    return httpx.AsyncClient(
        base_url=lab.console.base_url + "/api/v1", headers={"Authorization": f"Bearer {token}"}
    )


async def test_the_api_reads_and_acts_on_a_pair(lab: PairConsole) -> None:
    handle = await pair_at_risk(lab)
    path = f"/mentorships/{handle.id}"
    async with await api(lab, ANNA) as http:
        (row,) = (await http.get(f"/cohorts/{COHORT_A}/pairs", params={"show": "at_risk"})).json()
        assert row["id"] == handle.id and row["missed_streak"] == 2
        assert row["recent_outcomes"] == ["not_met", "missed"] and row["value_trend"] == [2]
        assert (
            await http.get(f"/cohorts/{COHORT_A}/pairs", params={"show": "paused"})
        ).json() == []
        bad = await http.get(f"/cohorts/{COHORT_A}/pairs", params={"sort": "shoe size"})
        assert bad.status_code == 422
        # Out of scope or not there: the same answer, so scope leaks no names.
        assert (await http.get("/cohorts/nope/pairs")).status_code == 403
        assert (await http.get("/mentorships/mentorship:x:y:z")).status_code == 403

        page = (await http.get(path)).json()
        assert page["hr_reads_answers"] is False
        assert all(not entry["words"] for entry in page["timeline"])
        kinds = {entry["kind"] for entry in page["timeline"]}
        assert {"introduction", "goal", "checkin", "answer", "email", "at_risk"} <= kinds

        assert (await http.post(f"{path}/pause", json={"note": "Leave"})).status_code == 200
        twice = await http.post(f"{path}/pause", json={})
        assert twice.status_code == 409 and twice.json()["code"] == "refused"
        assert (await snapshot(handle)).paused
        assert (await http.post(f"{path}/resume")).status_code == 200
        assert not (await snapshot(handle)).paused

        # Resend the mentor's last email, naming it: the second call sends nothing.
        last = [e for e in page["emails"] if e["to_employee"] == MENTOR.employee_id][-1]
        before = len(lab.smtp.recorder.to(MENTOR.email))
        body = {"employee_id": MENTOR.employee_id, "message": last["id"]}
        first = (await http.post(f"{path}/resend", json=body)).json()
        assert first["already_requested"] is False and first["to"] == MENTOR.email
        await lab.smtp.recorder.wait_for(
            lambda m: str(m["X-Mentorflow-Key"]) == first["idempotency_key"]
        )
        second = (await http.post(f"{path}/resend", json=body)).json()
        assert second["already_requested"] is True
        await asyncio.sleep(1.0)
        assert len(lab.smtp.recorder.to(MENTOR.email)) == before + 1
        stranger = await http.post(f"{path}/resend", json={"employee_id": "E999"})
        assert stranger.status_code == 404

        followed = await http.post(f"{path}/follow-up", json={"note": "Spoke to both"})
        assert followed.status_code == 200 and followed.json()["follow_up"]["by"] == ANNA
        again = await http.post(f"{path}/follow-up", json={})
        assert again.status_code == 409 and "already" in again.json()["message"]
        flags = (await http.get("/at-risk")).json()
        assert flags["open"] == [] and flags["followed_up"][0]["at_risk"]["followed_up"]["note"]

        no_reason = await http.post(f"{path}/end", json={"reason": ""})
        assert no_reason.status_code == 422
        assert (await http.post(f"{path}/end", json={"reason": "Moved teams"})).status_code == 200
        # The store follows the workflow a moment later (a store activity).
        for _ in range(100):
            ended = (await http.get(path)).json()["pair"]
            if ended["outcome"]:
                break
            await asyncio.sleep(0.05)
        assert ended["outcome"] == "ended_early" and ended["at_risk"] is None
        not_at_risk = await http.post(f"{path}/follow-up", json={})
        assert not_at_risk.status_code == 409

    actions = [(a, r) for a, r, t in lab.console.audit(ANNA) if t == handle.id]
    assert actions == [
        ("pause", "ok"),
        ("pause", "refused"),
        ("resume", "ok"),
        ("resend", "ok"),
        ("resend", "ok"),
        ("resend", "refused"),
        ("follow_up", "ok"),
        ("follow_up", "refused"),
        ("end", "ok"),
        ("follow_up", "refused"),
    ]


async def test_a_pair_with_no_email_kept_to_resend_is_refused(lab: PairConsole) -> None:
    handle = await pair_at_risk(lab)
    engine = make_engine(lab.console.db_url)
    with make_sessionmaker(engine).begin() as session:
        # As for mail sent before the requests were kept (migration 0007).
        session.execute(update(OutboxMessage).values(request=None))
    engine.dispose()
    async with await api(lab, ADA) as http:
        refused = await http.post(
            f"/mentorships/{handle.id}/resend", json={"employee_id": MENTEE.employee_id}
        )
        assert refused.status_code == 409 and "nothing to resend" in refused.json()["message"]
        assert (await http.get("/cohorts/nope/pairs")).status_code == 404
        assert (await http.get("/mentorships/mentorship:x:y:z")).status_code == 404
        missing = await http.post("/mentorships/mentorship:x:y:z/follow-up", json={})
        assert missing.status_code == 404
        schema = (await http.get("/openapi.json")).json()
    assert {"/mentorships/{mentorship_id}/resend", "/at-risk", "/cohorts/{name}/pairs"} <= set(
        schema["paths"]
    )
    responses = schema["paths"]["/mentorships/{mentorship_id}/pause"]["post"]["responses"]
    assert {"200", "403", "409", "503"} <= set(responses)
