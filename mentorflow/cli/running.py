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
from mentorflow.hr.errors import HrError, ProgramProblems, Refused


def print_hr_error(exc: HrError, refused: str = "refused") -> None:
    """One line a reason, unwrapped (people copy the pair and the flag); a
    program file's problems as ``program check`` prints them."""
    if isinstance(exc, ProgramProblems):
        errors.print(escape(exc.message), soft_wrap=True)
    elif isinstance(exc, Refused):
        for line in exc.reasons:
            errors.print(f"[bold red]{refused}:[/] {escape(line)}", soft_wrap=True)
    else:
        errors.print(f"[bold red]error:[/] {escape(exc.message)}", soft_wrap=True)


def exit_after(main: Coroutine[Any, Any, int]) -> NoReturn:
    """Run ``main`` and leave with its exit code, whatever the interpreter's
    teardown would have made of it. Every command that talks to Temporal runs
    here, so an unreachable server is told once for all of them: one line
    naming the address, not a traceback; and what an HR operation could not
    do (``HrError``) is told the same way by every command."""
    from mentorflow.demo.plan import PlanError
    from mentorflow.devstack import StackError
    from mentorflow.temporal_client import TemporalUnreachable

    try:
        code = asyncio.run(main)
    except (StackError, PlanError, TemporalUnreachable) as exc:
        errors.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        code = 1
    except HrError as exc:
        print_hr_error(exc)
        code = 1
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
