"""The Rich consoles every command and the demo print through: one place decides
how wide output is.

Rich wraps at the terminal's width, and at 80 columns (or ``COLUMNS``) when the
output is a file or a pipe. That breaks a database path or a URL across lines
in logs, makes tests depend on the width of whoever runs them, and truncates
table cells (``gradua…``). A console that is not attached to a terminal here
is therefore as wide as any value can be and soft-wraps (never inserts a line
break into a printed line). On a terminal, messages soft-wrap too (the terminal
folds them), while tables and the demo's live display keep fitting its width.

The decision is taken at each print, not when the console is built: the same
module-level console is used under a terminal, a pipe and Click's test runner.
"""

from __future__ import annotations

from typing import IO, Any

from rich.console import Console, ConsoleDimensions

#: Wider than any path (PATH_MAX is 4096), URL or id a person would copy, so a
#: line or a table row is never broken or cut off when nobody reads it live.
UNWRAPPED_WIDTH = 10_000


class ProjectConsole(Console):
    """A Rich console that never wraps or truncates when its file is not a
    terminal. Attached means the file is a TTY: ``FORCE_COLOR`` may ask for
    colours in a CI log, which is still read as one long line per value."""

    def __init__(self, *, soft_wrap: bool = False, **options: Any) -> None:
        self._soft_wrap_on_terminal = soft_wrap
        options.setdefault("emoji", False)  # ":bulb:" in a name stays as typed
        options.setdefault("highlight", False)
        super().__init__(soft_wrap=soft_wrap, **options)

    def print(self, *objects: Any, soft_wrap: bool | None = None, **options: Any) -> None:
        """A message (plain strings, markup included) is soft-wrapped on a
        terminal too: the terminal folds it for the eye, and a copy of a path
        or URL in it comes out whole. Tables, panels and live displays keep
        Rich's layout."""
        if soft_wrap is None and objects and all(isinstance(o, str) for o in objects):
            soft_wrap = True
        super().print(*objects, soft_wrap=soft_wrap, **options)

    @property
    def attached(self) -> bool:
        isatty = getattr(self.file, "isatty", None)
        try:
            return bool(isatty and isatty())
        except ValueError:  # a closed file
            return False

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.attached else ConsoleDimensions(UNWRAPPED_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]

    @property  # type: ignore[override]
    def soft_wrap(self) -> bool:
        return self._soft_wrap_on_terminal or not self.attached

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:
        self._soft_wrap_on_terminal = value


def stdout_console(file: IO[str] | None = None) -> ProjectConsole:
    """The console for results (``file`` for tests and captures)."""
    return ProjectConsole(file=file)


def stderr_console() -> ProjectConsole:
    """The console for errors, warnings and progress."""
    return ProjectConsole(stderr=True)


def is_attached(console: Console) -> bool:
    """Whether a person watches ``console`` live (a live display can redraw)."""
    return console.attached if isinstance(console, ProjectConsole) else console.is_terminal


def typer_options() -> dict[str, Any]:
    """The top-level Typer app's settings: Typer's rich help and error panels
    on a terminal; otherwise Click's plain lines at the unwrapped width, so a
    usage error naming a value is one line and no help line is cut short.
    Click hands the width down to every subcommand's context."""
    if all(c.attached for c in (console, errors)):
        return {"rich_markup_mode": "rich"}
    return {"rich_markup_mode": None, "context_settings": {"terminal_width": UNWRAPPED_WIDTH}}


console = stdout_console()
errors = stderr_console()
