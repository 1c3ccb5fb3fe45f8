"""The limits a served form puts on its controls, read the way a browser or a
form-filling client reads them: with ``html.parser``, attribute values
unescaped once."""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: Attributes whose value a browser reads as a number or a date.
LIMITS = ("min", "max", "step", "maxlength", "minlength")
PLAIN = re.compile(r"\d+|\d{4}-\d{2}-\d{2}")


class _Controls(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: dict[str, dict[str, str | None]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("input", "textarea", "select"):
            found = dict(attrs)
            self.controls[found.get("name") or ""] = found


def controls(html: str) -> dict[str, dict[str, str | None]]:
    """Every form control of the page by name, with its attributes."""
    parser = _Controls()
    parser.feed(html)
    return parser.controls


def plain_limits(html: str) -> dict[str, dict[str, str | None]]:
    """The page's controls, after asserting that every limit on every control
    is a plain number or date (not ``"0"`` with its quotes, not markup)."""
    found = controls(html)
    for name, attrs in found.items():
        for limit in LIMITS:
            value = attrs.get(limit)
            if limit in attrs:
                assert value is not None and PLAIN.fullmatch(value), (name, limit, value)
        assert all(key.isascii() and key.replace("-", "").isalpha() for key in attrs), attrs
    return found
