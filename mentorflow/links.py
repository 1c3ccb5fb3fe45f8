"""Signed links that let people act straight from an email.

A link is ``{base_url}/l/{purpose}/{token}``. The token is signed with
itsdangerous, salted per purpose (a check-in token cannot open the end-early
page), carries its own expiry on top of a global maximum age, and has an id
(``jti``) that the store claims once so that a link acts only once.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import get_args

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mentorflow.models import LinkSpec

PURPOSES: tuple[str, ...] = get_args(LinkSpec.model_fields["purpose"].annotation)

#: The workflow each purpose acts on, as its id reads: the kind and how many
#: ``:``-separated parts (``mentorship:{cohort}:{mentor}:{mentee}``,
#: ``application:{cohort}:{employee}``, ``alumni:{employee}:{cohort}``). A
#: genuine token naming anything else is not a link we mint: refused as not
#: valid before any workflow is asked (asking would only fail, as a "try
#: again" page, or reach a workflow that must not be acted on).
WORKFLOW_KINDS: dict[str, tuple[str, int]] = {
    **{
        purpose: ("mentorship", 4)
        for purpose in ("introduction", "goals", "review", "checkin", "survey", "end")
    },
    "approval": ("application", 3),
    "withdraw": ("application", 3),
    "alumni": ("alumni", 3),
}


class LinkError(Exception):
    """A link that cannot be honoured; ``reason`` is shown to the person."""

    reason = "This link is not valid."


class LinkInvalid(LinkError):
    reason = "This link is not valid. It may have been copied incompletely or changed."


class LinkExpired(LinkError):
    reason = "This link has expired."


@dataclass(frozen=True)
class LinkClaims:
    purpose: str
    workflow_id: str
    participant_id: str
    ref: str
    expires_at: datetime
    jti: str


def link_id(idempotency_key: str, name: str) -> str:
    """Deterministic link id: a retried email activity mints the same link."""
    return hashlib.sha256(f"{idempotency_key}|{name}".encode()).hexdigest()[:32]


class LinkSigner:
    def __init__(self, secret_key: str, max_age: timedelta = timedelta(days=120)) -> None:
        self._secret_key = secret_key
        self._max_age = max_age

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        if purpose not in PURPOSES:
            raise LinkInvalid(f"unknown purpose {purpose!r}")
        return URLSafeTimedSerializer(self._secret_key, salt=f"mentorflow.link.{purpose}")

    def sign(self, spec: LinkSpec, workflow_id: str, jti: str) -> str:
        payload = {
            "wf": workflow_id,
            "p": spec.participant_id,
            "ref": spec.ref,
            "exp": int(spec.expires_at.timestamp()),
            "jti": jti,
        }
        return str(self._serializer(spec.purpose).dumps(payload))

    def url(self, base_url: str, spec: LinkSpec, workflow_id: str, jti: str) -> str:
        return f"{base_url.rstrip('/')}/l/{spec.purpose}/{self.sign(spec, workflow_id, jti)}"

    def verify(self, purpose: str, token: str, now: float | None = None) -> LinkClaims:
        """The claims of a genuine, unexpired token, or ``LinkError``."""
        try:
            payload = self._serializer(purpose).loads(
                token, max_age=int(self._max_age.total_seconds())
            )
        except SignatureExpired as exc:
            raise LinkExpired() from exc
        except (BadSignature, UnicodeDecodeError, ValueError) as exc:
            raise LinkInvalid() from exc
        try:
            claims = LinkClaims(
                purpose=purpose,
                workflow_id=str(payload["wf"]),
                participant_id=str(payload["p"]),
                ref=str(payload["ref"]),
                expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
                jti=str(payload["jti"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LinkInvalid() from exc
        if not names_its_kind(purpose, claims.workflow_id):
            raise LinkInvalid()
        if (now if now is not None else time.time()) > claims.expires_at.timestamp():
            raise LinkExpired()
        return claims


def names_its_kind(purpose: str, workflow_id: str) -> bool:
    """Whether ``workflow_id`` is of the kind that ``purpose`` acts on."""
    kind, parts = WORKFLOW_KINDS[purpose]
    found = workflow_id.split(":")
    return len(found) == parts and found[0] == kind and all(found)
