"""The directory import benchmark runs (on a tiny export; the two-million-row
run is for benchmarks/README.md, not the suite) and reports every step."""

from __future__ import annotations

import subprocess
import sys

from mentorflow.settings import PROJECT_ROOT


def test_the_directory_import_benchmark_runs_on_a_tiny_export() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "benchmarks" / "directory_import.py"),
            "--rows",
            "300",
            "--baseline-rows",
            "100",
            "--sqlite-only",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("-") and "csv.reader pass" in line and " 300 " in line for line in lines
    )
    for step, rows in (
        ("streaming import", "300"),
        ("streaming import", "100"),
        ("(before)", "100"),
    ):
        assert any(
            line.startswith("SQLite") and step in line and f" {rows} " in line for line in lines
        ), result.stdout
