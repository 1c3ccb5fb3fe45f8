"""``/dev/mail``: the local SMTP sink's mailbox, for the embedded stack and the
demo (no real mail server, so people read their mail here). Mounted only
when the sink is in use."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from mentorflow.mail.sink import SinkMessage, get_message, list_messages
from mentorflow.web.deps import SettingsDep, TemplatesDep
from mentorflow.web.errors import PageError
from mentorflow.web.templating import render

router = APIRouter(prefix="/dev")


async def _messages(settings: SettingsDep) -> list[SinkMessage]:
    return await run_in_threadpool(list_messages, settings.mail_dir)


def _as_json(message: SinkMessage) -> dict[str, Any]:
    date = message.date
    return {
        "key": message.key,
        "to": message.to,
        "subject": message.subject,
        "date": date.isoformat() if isinstance(date, datetime) else date,
        "text": message.text,
        "links": list(message.links),
    }


@router.get("/mail", response_class=HTMLResponse)
async def mail_list(
    request: Request, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    messages = await _messages(settings)
    return render(request, templates, "dev_mail_list.html", messages=messages)


@router.get("/mail.json")
async def mail_json(settings: SettingsDep) -> list[dict[str, Any]]:
    return [_as_json(m) for m in await _messages(settings)]


@router.get("/mail/{key}", response_class=HTMLResponse)
async def mail_message(
    key: str, request: Request, settings: SettingsDep, templates: TemplatesDep
) -> HTMLResponse:
    message = await run_in_threadpool(get_message, settings.mail_dir, key)
    if message is None:
        raise PageError(404, "No such message", "The sink holds no message with this key.")
    return render(request, templates, "dev_mail_message.html", message=message)
