"""The magic link of the application form: ``/apply/{cohort}/{token}``.

A sibling of ``mentorflow.links.LinkSigner`` with its own salt (a token from
any other email cannot open the form) and a short life: it proves only that
its holder reads the employee's work mailbox, so it opens that person's form
and status page for 24 hours. Unlike a link that acts once, it may be opened
again: the application's workflow refuses a second submission anyway.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mentorflow.links import LinkExpired, LinkInvalid

APPLY_LINK_LIFETIME = timedelta(hours=24)
SALT = "mentorflow.apply"


@dataclass(frozen=True)
class ApplyClaims:
    cohort: str
    employee_id: str
    expires_at: datetime
    #: Random per link: the update id of a withdrawal made from its page.
    jti: str


class ApplyLinkSigner:
    def __init__(self, secret_key: str, lifetime: timedelta = APPLY_LINK_LIFETIME) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        self._lifetime = lifetime

    def sign(self, cohort: str, employee_id: str, now: float | None = None) -> str:
        expires = (now if now is not None else time.time()) + self._lifetime.total_seconds()
        payload = {"c": cohort, "e": employee_id, "exp": int(expires), "jti": secrets.token_hex(16)}
        return str(self._serializer.dumps(payload))

    def url(self, base_url: str, cohort: str, employee_id: str) -> str:
        token = self.sign(cohort, employee_id)
        return f"{base_url.rstrip('/')}/apply/{quote(cohort, safe='')}/{token}"

    def verify(self, cohort: str, token: str, now: float | None = None) -> ApplyClaims:
        """The claims of a genuine, unexpired token for ``cohort``, or ``LinkError``."""
        try:
            # The serializer's own age check backs up the expiry in the payload.
            payload = self._serializer.loads(
                token, max_age=int(self._lifetime.total_seconds()) + 60
            )
        except SignatureExpired as exc:
            raise LinkExpired() from exc
        except (BadSignature, UnicodeDecodeError, ValueError) as exc:
            raise LinkInvalid() from exc
        try:
            claims = ApplyClaims(
                cohort=str(payload["c"]),
                employee_id=str(payload["e"]),
                expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
                jti=str(payload["jti"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise LinkInvalid() from exc
        if claims.cohort != cohort:  # a genuine link, pasted under another cohort
            raise LinkInvalid()
        if (now if now is not None else time.time()) > claims.expires_at.timestamp():
            raise LinkExpired()
        return claims
