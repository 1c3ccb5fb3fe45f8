"""The one CSV writer every export uses: a cell a spreadsheet would run as a
formula is neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

#: What a spreadsheet reads as the start of a formula (OWASP, CSV injection):
#: a cell starting with one of these is prefixed with ``'`` so it stays text.
#: (``defusedcsv`` misses tab and carriage return, and rewrites ``|``.)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text that could run as a formula is neutralised; numbers are written as
    they are (they are never text in these tables, so ``-1`` stays a number)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()
