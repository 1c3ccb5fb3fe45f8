"""The HR console for a test: the web app over HTTP, the embedded OIDC
provider (oidc-provider-mock) on loopback, and a store with two programs.

Program A is managed by Anna (and Alex, named under ``managers:``); program B
by Ben. Ada is an administrator by email, Gus by the admin group claim, and
Nobody has no role at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.async_api import Page
from sqlalchemy import select
from temporalio.client import Client

from mentorflow.devstack_identity import embedded_provider
from mentorflow.directory import import_directory
from mentorflow.models import Role
from mentorflow.program import ProgramConfig
from mentorflow.settings import Settings
from mentorflow.store import cohorts
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.store.schema import AuditEntry
from mentorflow.web import create_app
from tests.conftest import free_port
from tests.support.applications import DIRECTORY
from tests.support.web import serving

PROGRAM_A = "Engineering Mentoring"
PROGRAM_B = "Sales Mentoring"
COHORT_A = "eng-2027-spring"
COHORT_B = "sales-2027-spring"
ANNA = "anna.lead@corp.example"
ALEX = "alex.second@corp.example"
BEN = "ben.sales@corp.example"
ADA = "ada.admin@corp.example"
GUS = "gus.group@corp.example"
NOBODY = "nobody@corp.example"
ADMIN_GROUP = "mentorflow-admins"


def seed_programs(db_url: str) -> None:
    """Two programs, one cohort each; program A's cohort has two applications."""
    engine = make_engine(db_url)
    now = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, DIRECTORY).errors
        a = ProgramConfig(name=PROGRAM_A, program_manager_email=ANNA, managers=[ALEX])
        b = ProgramConfig(name=PROGRAM_B, program_manager_email=BEN)
        for name, program in ((COHORT_A, a), (COHORT_B, b)):
            cohorts.create_cohort(
                session, name, program, opens_at=now, closes_at=now + timedelta(days=14)
            )
        for employee, role, capacity in (("A1", Role.MENTEE, None), ("B2", Role.MENTOR, 2)):
            cohorts.upsert_application(
                session,
                cohorts.NewApplication(
                    cohort=COHORT_A,
                    employee_id=employee,
                    role=role,
                    capacity=capacity,
                    source="csv",
                ),
            )
    engine.dispose()


@dataclass(frozen=True)
class Console:
    settings: Settings
    base_url: str
    issuer: str
    db_url: str

    def audit_rows(self) -> list[AuditEntry]:
        engine = make_engine(self.db_url)
        try:
            with make_sessionmaker(engine)() as session:
                rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
                session.expunge_all()
                return list(rows)
        finally:
            engine.dispose()

    def audit(self, actor: str) -> list[tuple[str, str, str]]:
        """(action, result, target) of ``actor``'s rows, oldest first."""
        return [(r.action, r.result, r.target) for r in self.audit_rows() if r.actor == actor]

    async def give_claims(self, email: str, **claims: object) -> None:
        """What the provider says about ``email`` (name, groups) when they sign in."""
        async with httpx.AsyncClient() as http:
            response = await http.put(
                f"{self.issuer}/users/{email}", json={"email": email, **claims}
            )
            response.raise_for_status()

    async def access_token(self, email: str) -> str:
        """An access token for ``email`` from the provider, as an integration
        would get one: authorization code, then the token endpoint."""
        redirect = "http://127.0.0.1/callback"
        async with httpx.AsyncClient() as http:
            authorized = await http.post(
                f"{self.issuer}/oauth2/authorize",
                params={
                    "client_id": "integration",
                    "redirect_uri": redirect,
                    "response_type": "code",
                    "scope": "openid email profile",
                    "nonce": "n-0",
                    "state": "s-0",
                },
                data={"sub": email},
            )
            assert authorized.status_code == 302, authorized.text
            code = parse_qs(urlparse(authorized.headers["location"]).query)["code"][0]
            token = await http.post(
                f"{self.issuer}/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": redirect,
                    "client_id": "integration",
                    "client_secret": "integration-secret",
                },
            )
            token.raise_for_status()
            return str(token.json()["access_token"])


def worker_settings(smtp_port: int, task_queue: str) -> dict[str, Any]:
    """What ``hr_console`` needs besides for its actions to reach a worker on
    ``task_queue`` that sends mail to the SMTP server on ``smtp_port``."""
    return {
        "temporal_task_queue": task_queue,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "mail_from": "mentorflow <mentorflow@example.com>",
    }


@asynccontextmanager
async def hr_console(
    tmp_path: Path, db_url: str, client: Client | None = None, **settings: Any
) -> AsyncIterator[Console]:
    """The console over HTTP; with ``client`` its actions reach that Temporal
    (a worker for ``settings["temporal_task_queue"]`` runs them)."""
    seed_programs(db_url)
    port = free_port()
    with embedded_provider(0) as provider:
        configured = provider.configure(
            Settings(
                var_dir=tmp_path,
                database_url=db_url,
                secret_key="test-secret",
                base_url=f"http://127.0.0.1:{port}",
                hr_admins=[ADA],
                hr_admin_group=ADMIN_GROUP,
                **settings,
            )
        )
        async with serving(create_app(configured, client), port):
            yield Console(configured, configured.base_url, provider.issuer, db_url)


async def sign_in(page: Page, console: Console, email: str, start: str = "/hr") -> None:
    """Opens ``start`` anonymously and signs in on the provider's form."""
    await page.goto(console.base_url + start)
    assert page.url.startswith(f"{console.issuer}/oauth2/authorize?"), page.url
    await page.fill("input[name=sub]", email)
    await page.click("button[type=submit]:has-text('Authorize')")
    await page.wait_for_url(f"{console.base_url}/**")
