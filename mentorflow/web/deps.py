"""FastAPI dependencies: settings, a database session per request, the
Temporal client (connected lazily), the link signer and the page templates."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from mentorflow.links import LinkSigner
from mentorflow.settings import Settings
from mentorflow.temporal_client import connect


class TemporalConnector:
    """Hands out one Temporal client, connecting on first need: the pages that
    need no workflow (bad links, /dev/mail, /healthz) work while Temporal is
    still starting, and a failed connect is retried by the next request."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    self._client = await connect(self._settings)
        return self._client


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_session(request: Request) -> Iterator[Session]:
    maker: sessionmaker[Session] = request.app.state.sessionmaker
    with maker() as session:
        yield session


def get_temporal(request: Request) -> TemporalConnector:
    return request.app.state.temporal  # type: ignore[no-any-return]


def get_signer(request: Request) -> LinkSigner:
    return request.app.state.signer  # type: ignore[no-any-return]


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[TemporalConnector, Depends(get_temporal)]
SignerDep = Annotated[LinkSigner, Depends(get_signer)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
