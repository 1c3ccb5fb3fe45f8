"""Bytecode for the workflow modules, written once when a worker starts.

The workflow sandbox imports a workflow's module afresh for every workflow
run it starts (and again after a cache eviction). Without a ``.pyc`` that
means compiling ``workflows/mentorship.py`` each time: about 30 ms of CPU a
pair, a fifth of a pair's whole cost in a cohort launch (py-spy on
``benchmarks/cohort_launch.py``). Interpreters started with
``PYTHONDONTWRITEBYTECODE`` (common in container images, and on this
project's CI machine) never write one, so the worker does, for these few
files only. A read-only install just compiles as before.
"""

from __future__ import annotations

import compileall
from pathlib import Path

import workflows


def compile_workflows() -> bool:
    """True when every workflow module has current bytecode."""
    return bool(compileall.compile_dir(Path(workflows.__file__).parent, quiet=2))
