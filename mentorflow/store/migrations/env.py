"""Alembic environment for the mentorflow store.

Normally run by ``mentorflow.store.db.upgrade``, which hands over a connection
already inside a locked transaction (``config.attributes["connection"]``).
Developers creating a migration use the ini file instead:

    alembic -c mentorflow/store/alembic.ini revision --autogenerate -m "..."

which connects to ``sqlalchemy.url`` or ``MENTORFLOW_DATABASE_URL``.
"""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy import Connection

from mentorflow.store.schema import Base, UtcDateTime

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render the store's own column types as plain SQLAlchemy ones, so that a
    migration never imports application code that may change later."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        # Batch operations run on both backends; SQLite needs them for ALTER.
        "render_as_batch": True,
        "compare_type": True,
        "render_item": render_item,
    }


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from mentorflow.settings import get_settings

    return get_settings().resolved_database_url


def _run_on(connection: Connection) -> None:
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    context.configure(url=_database_url(), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    from mentorflow.store.db import make_engine

    engine = make_engine(_database_url())
    try:
        with engine.connect() as connection:
            _run_on(connection)
    finally:
        engine.dispose()


# Only the command line brings an ini file; programmatic runs keep the
# application's logging untouched.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

if context.is_offline_mode():
    run_offline()
else:
    run_online()
