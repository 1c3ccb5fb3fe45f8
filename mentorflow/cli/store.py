"""The store for one command: schema brought up to date (cheap when current,
so a fresh machine needs no extra step), a sessionmaker, the engine disposed
when the command is done."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.hr.errors import HrError
from mentorflow.settings import Settings
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade


@contextmanager
def store_sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    """A database that cannot be opened or upgraded is one ``error: database:``
    line (an ``HrError``), like every other reason a command cannot run."""
    url = settings.resolved_database_url
    try:
        upgrade(url)
        engine = make_engine(url)
    except SQLAlchemyError as exc:
        raise HrError(f"database: {exc}") from exc
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()
