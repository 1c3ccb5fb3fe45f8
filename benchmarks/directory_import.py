"""Benchmark: peak memory and time of ``directory import`` on a large export,
against the whole-file reader it replaced, on SQLite and (when reachable)
PostgreSQL.

    .venv/bin/python benchmarks/directory_import.py [--rows 2000000] [--baseline-rows 200000]

A deterministic export (``--seed``) is written to a temporary folder. Each
step runs in a child process of its own, so its peak resident memory
(``ru_maxrss``) is its own; each child also reports its resident memory
before it started the work (Python, SQLAlchemy and the models loaded), so the
growth is what the step itself needed:

- **streaming import**: ``mentorflow.directory.import_directory`` (two passes,
  batched writes, one transaction) of the full export into an empty store;
- **csv.reader pass**: one plain ``csv.reader`` pass over the same file,
  counting rows: the floor for any reader of that file;
- **whole-file import (before)**: the import as it was before streaming (its
  source is read from git history, commit ``BEFORE``), on a smaller export
  (``--baseline-rows``), since it holds the file ~40 times over: at full size
  it needs more memory than the machine may have.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
import types
import uuid
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
#: The last commit with the whole-file reader.
BEFORE = "05abbed"
HEADER = "employee_id,email,name,title,department,manager_id,location,timezone,hire_date,level"
DEPARTMENTS = ["Platform", "Product", "Data", "Security", "Sales", "Support", "Finance", "HR"]
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Kolkata", "Asia/Tokyo"]
PG = os.environ.get("MENTORFLOW_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# --------------------------------------------------------------------------- the export


def write_export(path: Path, rows: int, seed: int) -> Path:
    """``rows`` people in a reporting tree (eight reports each), written as
    they are generated: the generator holds one row at a time."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(HEADER + "\n")
        for n in range(rows):
            hired = date(2015, 1, 1) + timedelta(days=rng.randrange(3500))
            manager = f"E{(n - 1) // 8:07d}" if n else ""
            file.write(
                f"E{n:07d},person{n}@example.com,Person {n},Engineer,"
                f"{rng.choice(DEPARTMENTS)},{manager},Berlin,{rng.choice(ZONES)},"
                f"{hired.isoformat()},L{rng.randint(1, 8)}\n"
            )
    return path


# --------------------------------------------------------------------------- children


def _resident_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _import_with(module: types.ModuleType | None, url: str, path: Path) -> int:
    import mentorflow.directory
    from mentorflow.store.db import make_engine, make_sessionmaker

    importer = (module or mentorflow.directory).import_directory
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine).begin() as session:
            report = importer(session, path)
    finally:
        engine.dispose()
    assert not report.errors, report.errors[:3]
    return int(report.imported)


def _before() -> types.ModuleType:
    """The directory module of commit BEFORE, loaded under another name."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BEFORE}:mentorflow/directory.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    module = types.ModuleType("directory_before")
    sys.modules[module.__name__] = module  # dataclasses look their module up
    exec(compile(source, f"{BEFORE}:mentorflow/directory.py", "exec"), module.__dict__)
    return module


def child(step: str, url: str, path: Path) -> None:
    """Run one step and print its figures as JSON (the parent's only input)."""
    # Loaded before the first reading of memory, for every step alike.
    import mentorflow.directory
    import mentorflow.store.db  # noqa: F401

    module = _before() if step == "before" else None
    start_kib = _resident_kib()
    started = time.perf_counter()
    if step == "csv":
        with path.open(encoding="utf-8", newline="") as file:
            rows = sum(1 for _ in csv.reader(file)) - 1
    else:
        rows = _import_with(module, url, path)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": rows, "seconds": seconds, "start": start_kib, "peak": peak_kib}))


def run_child(step: str, url: str, path: Path) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--child", step, url, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise SystemExit(f"{step} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- stores


def sqlite_store(folder: Path) -> str:
    from mentorflow.store.db import upgrade

    url = f"sqlite:///{folder}/store-{uuid.uuid4().hex[:6]}.db"
    upgrade(url)
    return url


def postgres_store() -> str | None:
    """A fresh, migrated database on the local PostgreSQL; None when unreachable."""
    from mentorflow.store.db import upgrade

    name = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except sa.exc.OperationalError:
        return None
    url = PG.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    return url


def drop_database(url: str) -> None:
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"'))
    admin.dispose()


# --------------------------------------------------------------------------- main


def line(store: str, step: str, size: int, figures: dict[str, float]) -> None:
    start, peak = figures["start"] / 1024, figures["peak"] / 1024
    print(
        f"{store:<11} {step:<28} {int(figures['rows']):>10,} {size / 2**20:>8.1f} "
        f"{figures['seconds']:>9.2f} {peak:>9.0f} {peak - start:>9.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--baseline-rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("STEP", "URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, url, path = args.child
        child(step, url, Path(path))
        return 0

    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLAlchemy {sa.__version__}, seed {args.seed}"
    )
    with TemporaryDirectory() as tmp:
        folder = Path(tmp)
        full = write_export(folder / "full.csv", args.rows, args.seed)
        small = write_export(folder / "small.csv", args.baseline_rows, args.seed)
        sizes = {full: full.stat().st_size, small: small.stat().st_size}
        print(
            f"{'store':<11} {'step':<28} {'rows':>10} {'MiB':>8} {'seconds':>9} "
            f"{'peak MiB':>9} {'grew MiB':>9}"
        )
        line("-", "csv.reader pass", sizes[full], run_child("csv", "-", full))
        stores = [("SQLite", sqlite_store)]
        if not args.sqlite_only:
            stores.append(("PostgreSQL", lambda _folder: postgres_store()))
        for store, make in stores:
            urls = [make(folder), make(folder), make(folder)]
            if None in urls:
                print(f"{store} not reachable: skipped")
                continue
            try:
                for step, label, path, url in (
                    ("import", "streaming import", full, urls[0]),
                    ("import", "streaming import", small, urls[1]),
                    ("before", "whole-file import (before)", small, urls[2]),
                ):
                    line(store, label, sizes[path], run_child(step, url, path))
            finally:
                if store == "PostgreSQL":
                    for url in urls:
                        drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
