"""What a link's form asks of its workflow, for every link purpose: the update
and its payload, and the page for a workflow that is gone. The answer
deliverer builds a kept answer's update with this, exactly as the purpose's
page would have."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from mentorflow.links import LinkClaims
from mentorflow.web.deps import TemporalConnector
from mentorflow.web.errors import PageError, mentorship_gone
from mentorflow.web.participant.alumni import invitation_gone, parse_answer
from mentorflow.web.participant.application_pages import application_gone
from mentorflow.web.participant.applications import PAGES, parse_update
from mentorflow.web.participant.links import link_page, parse_action


@dataclass(frozen=True)
class LinkUpdate:
    name: str
    payload: BaseModel
    gone: Callable[[], PageError]


async def link_update(
    claims: LinkClaims, form: dict[str, str], temporal: TemporalConnector
) -> LinkUpdate:
    """The update for ``form`` sent through the link of ``claims``; raises
    ``FormError`` for a form its page would refuse, ``PageError`` when the
    workflow cannot be asked (a mentorship page is built from its snapshot)."""
    by = claims.participant_id
    match claims.purpose:
        case "approval" | "withdraw":
            update = PAGES[claims.purpose][1]
            return LinkUpdate(update, parse_update(claims.purpose, form, by), application_gone)
        case "alumni":
            return LinkUpdate("answer", parse_answer(form, by), invitation_gone)
        case _:
            action = parse_action(await link_page(claims.purpose, claims, temporal), form)
            return LinkUpdate(action.update, action.payload, mentorship_gone)
