"""What the store benchmarks share: a fresh PostgreSQL database to run
against (dropped afterwards), and the machine's description for the record."""

from __future__ import annotations

import os
import platform
import uuid
from pathlib import Path

PG_ADMIN = os.environ.get("MENTORFLOW_TEST_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")


def postgres_database() -> tuple[str, str] | None:
    """A fresh database (its URL, and its name to drop), or None when unreachable."""
    import psycopg

    admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
    name = f"mf_bench_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL skipped: not reachable at {PG_ADMIN} ({exc})")
        return None
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", name


def drop_postgres(name: str) -> None:
    import psycopg

    admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def machine() -> str:
    """CPU model, cores and memory as lscpu and free would show them."""
    model = platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{model}, {os.cpu_count()} CPUs, {memory:.0f} GiB RAM"
