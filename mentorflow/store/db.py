"""Engines, sessions and schema upgrades for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys, WAL and a busy timeout
    because the worker and the web app write to the same file concurrently."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


#: The migration scripts ship inside the package, so upgrades work from any cwd.
MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")

#: Arbitrary but fixed: the PostgreSQL advisory lock that serialises upgrades
#: when the worker, the web app and the CLI start at the same moment.
_PG_MIGRATION_LOCK = 0x6D666C6F77  # "mflow"


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic configuration without an ini file; ``connection`` (if given) is
    the one migrations run on, inside the caller's transaction."""
    config = Config()
    # ConfigParser interpolation: a literal % in the path must be doubled.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    """The newest revision the installed code knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(url: str) -> str | None:
    """The revision the database at ``url`` is at; None for an empty database."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (the newest by default).

    Every process calls this at start, possibly at the same moment, so the whole
    upgrade runs in one transaction that holds a database-wide lock: an advisory
    lock on PostgreSQL, ``BEGIN EXCLUSIVE`` on SQLite. The second caller waits,
    then finds the database at head and does nothing. Both backends have
    transactional DDL, so a failed migration leaves the schema as it was.
    """
    _migrate(url, lambda config: command.upgrade(config, revision))


def downgrade(url: str, revision: str) -> None:
    """Step the database at ``url`` back to ``revision`` (``base`` = empty)."""
    _migrate(url, lambda config: command.downgrade(config, revision))


def _migrate(url: str, run: Callable[[Config], None]) -> None:
    engine = _migration_engine(url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Released with the transaction, also when the process dies.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
            run(alembic_config(connection))
            if connection.dialect.name == "sqlite":
                _check_foreign_keys(connection)
    finally:
        engine.dispose()


def _migration_engine(url: str) -> Engine:
    """``make_engine`` plus, on SQLite, the two things migrations need there."""
    engine = make_engine(url)
    if engine.dialect.name != "sqlite":
        return engine

    @event.listens_for(engine, "connect")
    def _manual_transactions(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # pysqlite would otherwise commit before DDL; we want BEGIN ... COMMIT around
        # everything. Foreign keys go off because batch migrations recreate tables
        # (checked again by _check_foreign_keys before commit).
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")

    @event.listens_for(engine, "begin")
    def _exclusive(connection) -> None:  # type: ignore[no-untyped-def]
        # Takes the write lock up front, so concurrent upgrades queue on the
        # busy timeout instead of failing half way.
        connection.exec_driver_sql("BEGIN EXCLUSIVE")

    return engine


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")
