"""Benchmark: one directory sync of a large organisation, against the plain
directory import as a baseline, on SQLite and (when reachable) PostgreSQL.

    .venv/bin/python benchmarks/hris_sync.py [--people 20000] [--seed 2027]

Yesterday's directory is imported; today's export has 1 % leavers (gone from
the file), 2 % movers (department, manager, email, time zone or level) and 1 %
joiners. Then, each on a fresh copy of yesterday's store:

- **sync**: what HrisSyncWorkflow's apply step runs (``mentorflow.hris.sync.
  apply_sync``: read the export whole, diff it against the held directory,
  apply joiners, movers and leavers, find who the change touches), in one
  transaction;
- **import**: ``mentorflow directory import`` of the same file (row by row
  upsert; it never sees leavers, which is why a sync exists).

Prints the wall-clock time of each and what the sync found.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TypeVar

import sqlalchemy as sa

from mentorflow.directory import import_directory
from mentorflow.hris.csv_source import read_directory_csv
from mentorflow.hris.models import SyncOutcome
from mentorflow.hris.sync import apply_sync
from mentorflow.store.db import make_engine, make_sessionmaker, upgrade

T = TypeVar("T")
HEADER = "employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level"
DEPARTMENTS = ["Platform", "Product", "Data", "Security", "Sales", "Support", "Finance", "HR"]
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata", "Asia/Tokyo"]
PG = os.environ.get("MENTORFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def organisation(people: int, rng: random.Random) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for n in range(people):
        employee_id = f"E{n:06d}"
        manager = f"E{(n - 1) // 8:06d}" if n else ""
        hired = date(2015, 1, 1) + timedelta(days=rng.randrange(3500))
        rows[employee_id] = [
            employee_id,
            f"person{n}@example.com",
            f"Person {n}",
            "Engineer",
            rng.choice(DEPARTMENTS),
            manager,
            "Berlin",
            rng.choice(ZONES),
            hired.isoformat(),
            f"L{rng.randint(1, 8)}",
        ]
    return rows


def today_from(yesterday: dict[str, list[str]], rng: random.Random) -> dict[str, list[str]]:
    ids = sorted(yesterday)
    leavers = set(rng.sample(ids[1:], len(ids) // 100))
    today = {e: list(row) for e, row in yesterday.items() if e not in leavers}
    for employee_id in rng.sample(sorted(today), len(ids) // 50):
        row = today[employee_id]
        field = rng.choice([1, 4, 5, 7, 9])
        row[field] = {
            1: f"moved.{employee_id.lower()}@example.com",
            4: rng.choice(DEPARTMENTS),
            5: "E000000" if employee_id != "E000000" else "",
            7: rng.choice(ZONES),
            9: f"L{rng.randint(1, 8)}",
        }[field]
    for n in range(len(ids), len(ids) + len(ids) // 100):
        today[f"E{n:06d}"] = [
            f"E{n:06d}",
            f"joiner{n}@example.com",
            f"Joiner {n}",
            "Engineer",
            "Platform",
            "E000001",
            "Berlin",
            "Europe/Berlin",
            "2026-11-02",
            "L2",
        ]
    return today


def write(path: Path, rows: dict[str, list[str]]) -> Path:
    path.write_text("\n".join([HEADER, *(",".join(r) for r in rows.values())]) + "\n")
    return path


def timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def fresh_store(url: str, yesterday: Path) -> None:
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        assert not import_directory(session, yesterday).errors
    engine.dispose()


def run_sync(url: str, today: Path) -> tuple[SyncOutcome, float]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            return timed(
                lambda: apply_sync(
                    session,
                    sync_id=f"bench-{uuid.uuid4()}",
                    source="csv",
                    read=lambda _session, _held: read_directory_csv(today),
                    max_leaver_share=0.1,
                    accept_leavers=0,
                    alert_email=None,
                    now=datetime.now(UTC),
                )
            )
    finally:
        engine.dispose()


def run_import(url: str, today: Path) -> float:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            _, seconds = timed(lambda: import_directory(session, today))
            return seconds
    finally:
        engine.dispose()


def postgres_database() -> str | None:
    """A fresh database on the local PostgreSQL, or None when it is not there."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except sa.exc.OperationalError:
        return None
    return PG.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"'))
    admin.dispose()


def compare(backend: str, sync_url: str, import_url: str, yesterday: Path, today: Path) -> None:
    fresh_store(sync_url, yesterday)
    outcome, sync_seconds = run_sync(sync_url, today)
    fresh_store(import_url, yesterday)
    import_seconds = run_import(import_url, today)
    print(f"{backend:<11} {'sync (read, diff, apply, effects)':<40} {sync_seconds:>8.2f}")
    print(f"{backend:<11} {'baseline: directory import':<40} {import_seconds:>8.2f}")
    print(
        f"{'':<11} the sync found {outcome.joiners} joiners, {outcome.movers} movers, "
        f"{outcome.leaving} leavers"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    yesterday_rows = organisation(args.people, rng)
    today_rows = today_from(yesterday_rows, rng)
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}"
    )
    print(f"{args.people:,} people yesterday, {len(today_rows):,} in today's export")
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        yesterday = write(folder / "yesterday.csv", yesterday_rows)
        today = write(folder / "today.csv", today_rows)
        print(f"{'store':<11} {'step':<40} {'seconds':>8}")
        compare(
            "SQLite",
            f"sqlite:///{folder}/sync.db",
            f"sqlite:///{folder}/import.db",
            yesterday,
            today,
        )
        sync_url, import_url = postgres_database(), postgres_database()
        if sync_url is None or import_url is None:
            print("PostgreSQL not reachable: SQLite only")
        else:
            try:
                compare("PostgreSQL", sync_url, import_url, yesterday, today)
            finally:
                drop_database(sync_url)
                drop_database(import_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
