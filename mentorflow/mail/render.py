"""Rendering the email catalogue (``templates/email``) into subject, text and HTML.

Each email is a pair of templates, ``{name}.txt`` and ``{name}.html``, that extend
one shared layout (``_layout.txt`` / ``_layout.html``). The **subject** is the
``{% block subject %}`` of the ``.txt`` template: one place for it, rendered with
the same context, whitespace collapsed so that it is a safe one-line header. The
HTML part gets the subject as ``subject`` (for its ``<title>`` and header).

``StrictUndefined`` makes a missing context variable an error instead of a blank
in someone's inbox; the catalogue tests render every template with exactly the
context the common brief documents. The HTML part is passed through css_inline
with ``_email.css`` so that mail clients that drop ``<style>`` still see the
styles; ``@media`` rules stay in a ``<style>`` tag for phones that honour them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import css_inline
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context

from mentorflow.settings import get_settings

STYLESHEET = "_email.css"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailTemplateError(ValueError):
    """A template that does not exist or cannot be rendered with its context."""


# --------------------------------------------------------------------------- filters


def _parse_datetime(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} in an email context; send UTC ISO 8601")
    return moment


def _recipient_zone(context: Context) -> ZoneInfo:
    recipient = context.get("recipient")
    name = recipient.get("timezone", "UTC") if isinstance(recipient, dict) else "UTC"
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def format_local_datetime(value: str | datetime, zone: ZoneInfo) -> str:
    """``Tuesday 3 March 2026, 09:00 CET`` — what a person reads at a glance."""
    local = _parse_datetime(value).astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M} {local.tzname()}"


def format_date(value: str | date | datetime) -> str:
    """``Tuesday 3 March 2026``: a calendar date has no time zone to convert."""
    if isinstance(value, datetime):
        value = value.date()
    elif not isinstance(value, date):
        value = date.fromisoformat(str(value)[:10])
    return f"{value:%A} {value.day} {value:%B %Y}"


@pass_context
def _when_filter(context: Context, value: str | datetime) -> str:
    return format_local_datetime(value, _recipient_zone(context))


@pass_context
def _local_day_filter(context: Context, value: str | datetime) -> str:
    """The recipient's calendar day of a moment (for deadlines phrased as days)."""
    return format_date(_parse_datetime(value).astimezone(_recipient_zone(context)))


def _first_name(person: dict[str, Any]) -> str:
    name = str(person.get("name", "")).strip()
    return name.split()[0] if name else "there"


def _upper_first(value: str) -> str:
    """Start a sentence with a name such as "the program team"."""
    return value[:1].upper() + value[1:]


_STATUS_LABELS = {"not_started": "not started", "in_progress": "in progress", "done": "done"}


def _status_label(value: str) -> str:
    return _STATUS_LABELS.get(str(value), str(value).replace("_", " "))


def _ordinal(number: int) -> str:
    number = int(number)
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


# --------------------------------------------------------------------------- environment


@lru_cache(maxsize=32)
def email_environment(
    templates_dir: Path, overrides: tuple[tuple[str, str], ...] = ()
) -> Environment:
    """One Jinja2 environment per templates folder and set of a program's
    overrides (templates are cached in it); an override replaces the default
    template of the same file name, and may still extend the shared layout."""
    default: BaseLoader = FileSystemLoader(templates_dir / "email")
    env = Environment(
        loader=ChoiceLoader([DictLoader(dict(overrides)), default]) if overrides else default,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        when=_when_filter,
        local_day=_local_day_filter,
        day=format_date,
        first_name=_first_name,
        upper_first=_upper_first,
        status=_status_label,
        ordinal=_ordinal,
    )
    return env


@lru_cache(maxsize=8)
def _inliner(templates_dir: Path) -> css_inline.CSSInliner:
    css = (templates_dir / "email" / STYLESHEET).read_text(encoding="utf-8")
    # No remote stylesheets: rendering must never reach out to the network.
    return css_inline.CSSInliner(extra_css=css, keep_at_rules=True, load_remote_stylesheets=False)


def catalogue(templates_dir: Path | None = None) -> list[str]:
    """Names of all emails (templates without a leading underscore)."""
    folder = (templates_dir or get_settings().templates_dir) / "email"
    return sorted(p.stem for p in folder.glob("*.txt") if not p.name.startswith("_"))


_BLANK_RUNS = re.compile(r"\n{3,}")


def render_email(
    template: str,
    context: dict[str, Any],
    templates_dir: Path | None = None,
    overrides: Mapping[str, str] | None = None,
) -> RenderedEmail:
    """Subject, text and HTML of the email ``template`` for ``context``.

    Raises ``EmailTemplateError`` for an unknown template or a context that does
    not fit it (a missing variable, a malformed date).
    """
    folder = templates_dir or get_settings().templates_dir
    if not re.fullmatch(r"[a-z][a-z0-9_]*", template):
        raise EmailTemplateError(f"invalid email template name {template!r}")
    env = email_environment(folder, tuple(sorted((overrides or {}).items())))
    try:
        text_template = env.get_template(f"{template}.txt")
        html_template = env.get_template(f"{template}.html")
        # Render the text part by hand so that its context, which then knows
        # the blocks of the whole inheritance chain, can render the subject too.
        text_context = text_template.new_context(dict(context))
        text = env.concat(text_template.root_render_func(text_context))  # type: ignore[attr-defined]
        subject_block = text_context.blocks.get("subject")
        if not subject_block:
            raise EmailTemplateError(f"{template}.txt has no {{% block subject %}}")
        subject = " ".join(env.concat(subject_block[0](text_context)).split())  # type: ignore[attr-defined]
        html = html_template.render({**context, "subject": subject})
    except EmailTemplateError:
        raise
    except Exception as exc:  # jinja2's TemplateNotFound, UndefinedError, our filters' ValueError
        raise EmailTemplateError(f"cannot render email {template!r}: {exc}") from exc
    if not subject:
        raise EmailTemplateError(f"email {template!r} rendered an empty subject")
    text = _BLANK_RUNS.sub("\n\n", text).strip() + "\n"
    return RenderedEmail(subject=subject, text=text, html=_inliner(folder).inline(html))
