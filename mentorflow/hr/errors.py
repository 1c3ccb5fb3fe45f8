"""The ways an HR operation can fail, each with a stable ``code`` (the JSON
API's error code) and a message a person can act on. The fronts map them:
the CLI to ``error:`` lines and exit 1, the API to its status codes."""

from __future__ import annotations


class HrError(Exception):
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(HrError):
    """No such cohort, mentorship or file."""

    code = "not_found"


class Conflict(HrError):
    """It exists already (a cohort of that name)."""

    code = "conflict"


class InvalidInput(HrError):
    """The input cannot be used as given (a program file's errors, a
    duration that is not one); nothing was changed."""

    code = "invalid"


class ProgramProblems(InvalidInput):
    """A program file that does not read: its problems, one ``file:line: ...``
    a line, as ``program check`` prints them."""


class NotAllowed(HrError):
    """The person may not do this (a program manager launching a program
    that is not theirs); nothing was changed."""

    code = "forbidden"


class Refused(HrError):
    """The workflow's rules refused the request (a forced pair breaking a
    hard rule, pausing a closed pair); nothing was changed. One reason a
    line, so each can be shown on its own."""

    code = "refused"

    @property
    def reasons(self) -> list[str]:
        return self.message.splitlines() or [self.message]


class DidNotStart(HrError):
    """A launched cohort did not run; it was stopped and withdrawn."""

    code = "did_not_start"


class StillRunning(HrError):
    """Started, but not finished within the wait; it goes on (a worker may not
    be polling the task queue)."""

    code = "still_running"
