"""The Alembic migrations build exactly the schema the models describe, on
SQLite and PostgreSQL, and upgrading is safe when several processes start at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from mentorflow.store.db import current_revision, downgrade, head_revision, make_engine, upgrade
from mentorflow.store.schema import Base


def schema_drift(url: str) -> list[Any]:
    """What ``alembic check`` would report: differences between the models and
    the migrated database."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_migrated_database_is_at_head(db_url: str) -> None:
    assert head_revision() == "0010"
    assert current_revision(db_url) == head_revision()
    assert table_names(db_url) == set(Base.metadata.tables)


def test_models_and_migrations_do_not_differ(db_url: str) -> None:
    assert schema_drift(db_url) == []


def test_upgrade_again_changes_nothing(db_url: str) -> None:
    upgrade(db_url)
    assert current_revision(db_url) == head_revision()
    assert schema_drift(db_url) == []


def test_downgrade_to_base_empties_the_database(db_url: str) -> None:
    downgrade(db_url, "base")
    assert current_revision(db_url) is None
    assert table_names(db_url) == set()


def test_concurrent_upgrades_from_empty_all_succeed(db_url: str) -> None:
    # Worker, web app and CLI may all start at once on a fresh database.
    downgrade(db_url, "base")
    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(upgrade, db_url) for _ in range(4)]:
            future.result()
    assert current_revision(db_url) == head_revision()
    assert schema_drift(db_url) == []


def test_upgrade_does_not_depend_on_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    url = f"sqlite:///{tmp_path / 'nested' / 'store.db'}"
    assert current_revision(url) is None
    upgrade(url)
    assert current_revision(url) == head_revision()
