"""YAML documents that remember where each value came from.

A configuration error is only useful if it says where to look, so the loader
keeps the composed node tree next to the data and maps a pydantic error
location (``("matching", "weights", "expertise")``) back to a line of the file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

Location = Sequence[str | int]

#: Nesting deeper than this is refused: a program file is a few levels deep,
#: and PyYAML composes nodes recursively (a deep enough file is a RecursionError).
MAX_DEPTH = 32


@dataclass(frozen=True)
class SourceProblem:
    """One thing wrong with a file, at a line, in a field (dotted; "" = the file)."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class SourceError(ValueError):
    """A file that cannot be used; every problem names its line and field."""

    def __init__(self, problems: Iterable[SourceProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.field))
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass(frozen=True)
class YamlDocument:
    path: str
    data: Any
    root: yaml.Node

    def line_of(self, loc: Location) -> int:
        """The line of the value at ``loc``; for a field that is not in the file,
        the line of the mapping that should hold it."""
        return _walk(self.root, loc)[1]

    def problems(
        self, error: ValidationError, model: type[BaseModel] | None = None
    ) -> list[SourceProblem]:
        """Each error of ``error`` at its line; ``model`` (the validated class)
        lets an unknown key suggest the field it was probably meant to be."""
        return [self.problem(detail, model) for detail in error.errors()]

    def problem(self, detail: ErrorDetails, model: type[BaseModel] | None = None) -> SourceProblem:
        loc = list(detail["loc"])
        message = detail["msg"].removeprefix("Value error, ")
        node, _, found = _walk(self.root, loc)
        if detail["type"] == "extra_forbidden":
            message = "unknown field" + _suggestion(model, loc)
        elif isinstance(node, yaml.MappingNode) and found == len(loc):
            # A rule that spans several fields names its main field first
            # (``checkin_window must not be longer than the cadence``, or
            # ``eligibility.levels: L9 is not …``): point at that field.
            first, _, rest = message.partition(" ")
            parts = first.removesuffix(":").split(".")
            if _walk(node, parts)[2] == len(parts):
                loc.extend(parts)
                if first.endswith(":"):
                    message = rest
        return SourceProblem(self.path, self.line_of(loc), _dotted(loc), message)


def load_yaml(path: Path, shown_as: str | None = None) -> YamlDocument:
    """Parse ``path`` (one document), keeping its node tree.

    Raises ``SourceError`` for a file that cannot be read, a YAML syntax error
    (with its line), an empty file, an alias or nesting past ``MAX_DEPTH``
    (``_PlainLoader``), or a key given twice in one mapping (which PyYAML would
    otherwise resolve silently to the last value).
    """
    shown = shown_as or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError([SourceProblem(shown, 1, "", f"cannot read the file: {exc}")]) from exc
    loader = _PlainLoader(text, shown)
    try:
        root = loader.get_single_node()
        if root is None:
            raise SourceError([SourceProblem(shown, 1, "", "the file is empty")])
        duplicates = list(_duplicate_keys(shown, root, []))
        if duplicates:
            raise SourceError(duplicates)
        data = loader.construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = " ".join(filter(None, [exc.context, exc.problem]))
        raise SourceError([SourceProblem(shown, line, "", f"YAML syntax: {reason}")]) from exc
    except yaml.YAMLError as exc:
        raise SourceError([SourceProblem(shown, 1, "", f"YAML: {exc}")]) from exc
    finally:
        loader.dispose()
    return YamlDocument(shown, data, root)


class _PlainLoader(yaml.SafeLoader):
    """A safe loader that refuses aliases and deep nesting.

    An alias makes the node tree a graph: ``&a [*a]`` points at itself (a
    ``RecursionError`` for whoever walks it) and nine nested aliases of ten
    make a billion values ("billion laughs"). A program file has no use for
    them, so the first alias is an error at its line, before anything expands.
    """

    def __init__(self, text: str, shown: str) -> None:
        super().__init__(text)
        self._shown = shown
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise self._refuse(
                event, f"YAML aliases (*{event.anchor}) are not allowed; write the value out"
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self._refuse(event, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1

    def _refuse(self, event: yaml.Event, message: str) -> SourceError:
        return SourceError([SourceProblem(self._shown, event.start_mark.line + 1, "", message)])


# --------------------------------------------------------------------------- nodes


def _walk(root: yaml.Node, loc: Location) -> tuple[yaml.Node, int, int]:
    """The deepest node on ``loc``, its line and how many parts were found."""
    node, line, found = root, root.start_mark.line + 1, 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part)
                ),
                None,
            )
            if match is None:
                break
            # The key's line, not the value's: a nested mapping starts below it.
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if not 0 <= part < len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
        found += 1
    return node, line, found


def _duplicate_keys(shown: str, node: yaml.Node, loc: list[str | int]) -> Iterable[SourceProblem]:
    if isinstance(node, yaml.MappingNode):
        first_line: dict[str, int] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                continue
            line = key.start_mark.line + 1
            if key.value in first_line:
                yield SourceProblem(
                    shown,
                    line,
                    _dotted([*loc, key.value]),
                    f"given twice (first on line {first_line[key.value]})",
                )
            else:
                first_line[key.value] = line
            yield from _duplicate_keys(shown, value, [*loc, key.value])
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(shown, item, [*loc, index])


def _suggestion(model: type[BaseModel] | None, loc: Location) -> str:
    """``; did you mean 'cadence'?`` for a misspelt key, else nothing."""
    if model is None or not loc:
        return ""
    allowed = _field_names(model, loc[:-1])
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _field_names(model: type[BaseModel], loc: Location) -> list[str]:
    """The keys the model accepts at ``loc`` (through nested models, lists and
    optionals); empty where that cannot be told."""
    current: Any = model
    for part in loc:
        current = _model_in(current)
        if current is None:
            return []
        if isinstance(part, int):
            continue  # an item of a list: _model_in already looked inside it
        field = next(
            (f for name, f in current.model_fields.items() if (f.alias or name) == part), None
        )
        if field is None:
            return []
        current = field.annotation
    found = _model_in(current)
    if found is None:
        return []
    return [f.alias or name for name, f in found.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _dotted(loc: Location) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
