"""API keys: an administrator issues one for an integration, acting with a
role (administrator, or program manager of named programs), and revokes it.

A key reads ``mfk_<key_id>_<secret>`` so secret scanners can find leaked
ones. The secret is shown once, at issue; the store keeps only its
HMAC-SHA256 under a pepper derived from the server's secret key. The secret
is 256 random bits, so a fast keyed hash is enough (nothing to brute-force),
and a stolen database alone cannot forge or recover a key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mentorflow.audit import AuditAction
from mentorflow.hr.audited import Actor, audited_sync
from mentorflow.hr.errors import Conflict, InvalidInput, NotFound
from mentorflow.store.schema import ApiKey

PREFIX = "mfk_"


class KeyRole(StrEnum):
    """What a key acts as: the console's roles (``HrRole``), by the same words."""

    ADMINISTRATOR = "administrator"
    PROGRAM_MANAGER = "program_manager"


_KEY = re.compile(r"^mfk_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{43})$")


class ApiKeyView(BaseModel):
    """A key as listed: never its secret."""

    key_id: str
    name: str
    role: KeyRole
    programs: list[str]
    issued_by: str
    issued_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def label(self) -> str:
        """How the key appears as the actor of an audit row."""
        return f"api-key:{self.key_id} ({self.name})"

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class IssuedApiKey(BaseModel):
    """The answer to issuing: the only time ``key`` is known."""

    key: str
    api_key: ApiKeyView


class ApiKeyRequest(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: KeyRole
    #: The programs a program manager's key may see; empty for an administrator's.
    programs: list[str] = []
    expires_at: datetime | None = None

    @model_validator(mode="after")
    def _scope(self) -> ApiKeyRequest:
        self.programs = sorted({p.strip() for p in self.programs if p.strip()})
        if self.role is KeyRole.PROGRAM_MANAGER and not self.programs:
            raise ValueError("a program manager's key needs at least one program")
        if self.role is KeyRole.ADMINISTRATOR and self.programs:
            raise ValueError("an administrator's key sees every program; name none")
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            self.expires_at = self.expires_at.replace(tzinfo=UTC)
        return self


def pepper_from(secret_key: str) -> bytes:
    """The hashing key, derived from (not equal to) the server's secret key."""
    return hmac.new(secret_key.encode(), b"mentorflow api-key pepper v1", hashlib.sha256).digest()


def _hash(pepper: bytes, secret: str) -> str:
    return hmac.new(pepper, secret.encode(), hashlib.sha256).hexdigest()


def _view(row: ApiKey) -> ApiKeyView:
    return ApiKeyView(
        key_id=row.key_id,
        name=row.name,
        role=KeyRole(row.role),
        programs=list(row.programs or []),
        issued_by=row.issued_by,
        issued_at=row.issued_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_by=row.revoked_by,
    )


def issue_api_key(
    sessions: sessionmaker[Session],
    pepper: bytes,
    request: ApiKeyRequest,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> IssuedApiKey:
    """A new key; its secret is in the answer and nowhere else."""
    now = now or datetime.now(UTC)
    key_id = "".join(secrets.choice("abcdefghijkmnopqrstuvwxyz23456789") for _ in range(12))
    secret = secrets.token_urlsafe(32)
    with audited_sync(
        sessions,
        actor,
        AuditAction.ISSUE_API_KEY,
        f"api-key:{key_id}",
        name=request.name,
        role=request.role.value,
        programs=request.programs,
    ):
        if request.expires_at is not None and request.expires_at <= now:
            raise InvalidInput("The expiry is in the past.")
        row = ApiKey(
            key_id=key_id,
            secret_hash=_hash(pepper, secret),
            name=request.name,
            role=request.role.value,
            programs=request.programs,
            issued_by=actor.who,
            issued_at=now,
            expires_at=request.expires_at,
        )
        with sessions.begin() as session:
            session.add(row)
            session.flush()
            view = _view(row)
    return IssuedApiKey(key=f"{PREFIX}{key_id}_{secret}", api_key=view)


def list_api_keys(session: Session) -> list[ApiKeyView]:
    """Every key, newest first, revoked ones too (for the record)."""
    rows = session.scalars(select(ApiKey).order_by(ApiKey.issued_at.desc(), ApiKey.id.desc()))
    return [_view(row) for row in rows]


def revoke_api_key(
    sessions: sessionmaker[Session],
    key_id: str,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> ApiKeyView:
    """Stops the key working at once. Revoking twice is a ``Conflict``."""
    now = now or datetime.now(UTC)
    target = f"api-key:{key_id}"
    with (
        audited_sync(sessions, actor, AuditAction.REVOKE_API_KEY, target),
        sessions.begin() as session,
    ):
        row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
        if row is None:
            raise NotFound(f"No API key {key_id!r}.")
        if row.revoked_at is not None:
            raise Conflict(f"The API key {key_id!r} is revoked already.")
        row.revoked_at = now
        row.revoked_by = actor.who
        session.flush()
        return _view(row)


def looks_like_key(presented: str) -> bool:
    return presented.startswith(PREFIX)


def check_api_key(
    session: Session, pepper: bytes, presented: str, now: datetime | None = None
) -> tuple[ApiKeyView | None, str]:
    """The key ``presented`` stands for, if it works now, else None and why
    (``unknown``, ``revoked``, ``expired``). Marks a working key as used;
    the caller's session commits that."""
    now = now or datetime.now(UTC)
    found = _KEY.match(presented.strip())
    if found is None:
        return None, "unknown"
    key_id, secret = found.groups()
    row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    # Hash even when there is no row, so timing does not tell which ids exist.
    expected = row.secret_hash if row is not None else "0" * 64
    if not hmac.compare_digest(_hash(pepper, secret), expected) or row is None:
        return None, "unknown"
    view = _view(row)
    if view.revoked_at is not None:
        return None, "revoked"
    if view.expires_at is not None and view.expires_at <= now:
        return None, "expired"
    row.last_used_at = now
    return view, ""
