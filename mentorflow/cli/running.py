"""Running a command's coroutine and leaving with its exit code.

Commands that ran a Temporal client or worker leave with ``os._exit`` after a
clean shutdown and a flush: the interpreter can otherwise abort at exit with
``PyGILState_Release`` (exit 134, sdk-python issue 300) and turn a success into
a crash in scripts and CI. Every command module calls this, and none imports
``cli.main`` (which imports them all).
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Coroutine
from typing import Any, NoReturn

from rich.markup import escape

from mentorflow.consoles import errors


def exit_after(main: Coroutine[Any, Any, int]) -> NoReturn:
    """Run ``main`` and leave with its exit code, whatever the interpreter's
    teardown would have made of it. Every command that talks to Temporal runs
    here, so an unreachable server is told once for all of them: one line
    naming the address, not a traceback."""
    from mentorflow.demo.plan import PlanError
    from mentorflow.devstack import StackError
    from mentorflow.temporal_client import TemporalUnreachable

    try:
        code = asyncio.run(main)
    except (StackError, PlanError, TemporalUnreachable) as exc:
        errors.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        code = 1
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
