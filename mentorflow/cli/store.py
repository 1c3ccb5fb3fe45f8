"""The store for one command: schema brought up to date (cheap when current,
so a fresh machine needs no extra step), a sessionmaker, the engine disposed
when the command is done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from mentorflow.settings import Settings
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade


@contextmanager
def store_sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    url = settings.resolved_database_url
    upgrade(url)
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()
