"""The web app: the participant pages behind signed links, the HR console
(``/hr``, signed in through OpenID Connect) and its JSON API (``/api/v1``),
and the local mail sink's inbox while the embedded stack runs without a real
SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse
from starlette.middleware.sessions import SessionMiddleware
from temporalio.client import Client

from mentorflow.links import LinkSigner
from mentorflow.settings import Settings
from mentorflow.store.db import make_engine, make_sessionmaker
from mentorflow.web import dev_routes
from mentorflow.web.api.app import API_PREFIX, create_api
from mentorflow.web.auth import routes as auth_routes
from mentorflow.web.auth.provider import IdentityProvider
from mentorflow.web.auth.responses import install_auth_responses
from mentorflow.web.auth.session import COOKIE_NAME, session_secret
from mentorflow.web.console import api_keys as console_api_keys
from mentorflow.web.console import applications as console_applications
from mentorflow.web.console import at_risk as console_at_risk
from mentorflow.web.console import audit_log as console_audit
from mentorflow.web.console import cohort_insights as console_cohort_insights
from mentorflow.web.console import cohorts as console_cohorts
from mentorflow.web.console import directory as console_directory
from mentorflow.web.console import hris as console_hris
from mentorflow.web.console import launch as console_launch
from mentorflow.web.console import notices as console_notices
from mentorflow.web.console import pairs as console_pairs
from mentorflow.web.console import people as console_people
from mentorflow.web.console import programs as console_programs
from mentorflow.web.console import review as console_review
from mentorflow.web.console import rounds as console_rounds
from mentorflow.web.console.actions import install_console_errors
from mentorflow.web.deps import SettingsDep, TemplatesDep, TemporalConnector
from mentorflow.web.errors import install_error_pages
from mentorflow.web.participant import alumni as participant_alumni
from mentorflow.web.participant import applications as participant_applications
from mentorflow.web.participant import apply as participant_apply
from mentorflow.web.participant import links as participant_links
from mentorflow.web.participant.answer_delivery import keep_delivering
from mentorflow.web.request_ids import assign_request_id
from mentorflow.web.security_headers import security_headers
from mentorflow.web.templating import make_templates, render

CSS_FILE = "mentorflow.css"


async def _private_link_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    # A token in the address is a key: keep it out of Referer headers, caches
    # and search indexes.
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.url.path.startswith(("/l/", "/apply/")):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def create_app(settings: Settings, client: Client | None = None) -> FastAPI:
    engine = make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Answers kept while a workflow could not take them go out from here.
        delivering = asyncio.create_task(
            keep_delivering(
                app.state.sessionmaker, app.state.temporal, settings.answer_delivery_interval
            ),
            name="mentorflow-answer-delivery",
        )
        try:
            yield
        finally:
            delivering.cancel()
            with suppress(asyncio.CancelledError):
                await delivering
            engine.dispose()

    app = FastAPI(title="mentorflow", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.temporal = TemporalConnector(settings, client)
    app.state.signer = LinkSigner(settings.resolved_secret_key, settings.link_max_age)
    app.state.templates = make_templates(settings.templates_dir / "web")
    app.state.identity = IdentityProvider(settings)
    app.middleware("http")(_private_link_headers)
    app.middleware("http")(security_headers)
    # HR's session: signed (itsdangerous), HttpOnly, SameSite=Lax, Secure over
    # HTTPS. Participant pages never write to it, so they never get a cookie.
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings.resolved_secret_key),
        session_cookie=COOKIE_NAME,
        max_age=int(settings.hr_session_max_age.total_seconds()),
        same_site="lax",
        https_only=settings.uses_secure_cookies,
    )
    # Outermost, so every response, errors included, carries its request id.
    app.middleware("http")(assign_request_id)
    install_error_pages(app)
    install_auth_responses(app)
    install_console_errors(app)

    @app.get("/", response_class=HTMLResponse)
    async def index(
        request: Request, settings: SettingsDep, templates: TemplatesDep
    ) -> HTMLResponse:
        return render(request, templates, "index.html", uses_mail_sink=settings.uses_mail_sink)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(f"/static/{CSS_FILE}", include_in_schema=False)
    async def stylesheet(settings: SettingsDep) -> FileResponse:
        return FileResponse(settings.templates_dir / "web" / CSS_FILE, media_type="text/css")

    # The application's own link pages first: the generic /l/{purpose}/{token}
    # pages are built around a mentorship.
    app.include_router(participant_applications.router)
    app.include_router(participant_alumni.router)
    app.include_router(participant_apply.router)
    app.include_router(participant_links.router)
    app.include_router(auth_routes.router)
    app.include_router(console_programs.router)
    app.include_router(console_directory.router)
    app.include_router(console_hris.router)
    app.include_router(console_notices.router)
    app.include_router(console_launch.router)
    app.include_router(console_cohorts.router)
    app.include_router(console_applications.router)
    app.include_router(console_review.router)
    app.include_router(console_rounds.router)
    app.include_router(console_pairs.router)
    app.include_router(console_at_risk.router)
    app.include_router(console_people.router)
    app.include_router(console_cohort_insights.router)
    app.include_router(console_audit.router)
    app.include_router(console_api_keys.router)
    app.mount(API_PREFIX, create_api(app.state))
    if settings.uses_mail_sink:
        app.include_router(dev_routes.router)
    return app
