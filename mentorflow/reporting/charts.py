"""Server-rendered bar charts for the engagement page: inline SVG with its
geometry computed here (no script, no style attributes, CSP-safe), a
``<title>`` per bar, and the same figures in a table beneath."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

WIDTH = 640
HEIGHT = 160
GAP = 4


class Bar(BaseModel):
    x: float
    y: float
    width: float
    height: float
    label: str


class Chart(BaseModel):
    title: str
    width: int = WIDTH
    height: int = HEIGHT
    top: str
    bars: list[Bar]


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float | None]) -> Chart:
    """One bar per value, scaled to the largest; a missing value has no bar."""
    peak = max([v for v in values if v is not None] or [0]) or 1
    step = WIDTH / max(len(values), 1)
    bars = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = 0.0 if value is None else (HEIGHT - 20) * value / peak
        bars.append(
            Bar(
                x=round(i * step + GAP / 2, 1),
                y=round(HEIGHT - height, 1),
                width=round(max(step - GAP, 1), 1),
                height=round(height, 1),
                label=f"{label}: {'no data' if value is None else f'{value:g}'}",
            )
        )
    return Chart(title=title, top=f"{peak:g}", bars=bars)
