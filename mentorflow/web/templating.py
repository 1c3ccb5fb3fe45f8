"""Jinja2 environment for the web pages, with the filters they share."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates


def local_time(value: datetime | str | None, tz: str = "UTC") -> str:
    """A moment as the reader would say it, in their own time zone."""
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:  # the workflow speaks UTC
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%A %-d %B %Y, %H:%M} ({tz})"


def long_date(value: date | str | None) -> str:
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%-d %B %Y}"


def make_templates(directory: Path) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(directory))
    templates.env.filters["local_time"] = local_time
    templates.env.filters["long_date"] = long_date
    return templates


def render(
    request: Request, templates: Jinja2Templates, name: str, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)


def message_page(
    request: Request,
    templates: Jinja2Templates,
    title: str,
    message: str,
    status_code: int,
    tone: str = "info",
) -> HTMLResponse:
    """A friendly page that explains and changes nothing."""
    return render(
        request, templates, "message.html", status_code, title=title, message=message, tone=tone
    )
