"""What the audit log records: one HR action (or a refused attempt at one),
who did it, on what, and how it ended.

The store keeps these rows append-only (``mentorflow.store.audit``); every
front (console, API, later the CLI) records through the same function, so an
action appears once however it was triggered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class AuditResult(StrEnum):
    OK = "ok"
    #: Not allowed (no access, out of scope, a missing CSRF token): nothing changed.
    REFUSED = "refused"
    #: Allowed but it did not work (the provider refused the sign-in, an error).
    FAILED = "failed"


class AuditAction(StrEnum):
    """Every HR action the log records (``mentorflow.hr`` records its own)."""

    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    ACCESS = "access"
    IMPORT_DIRECTORY = "import_directory"
    LAUNCH = "launch"
    IMPORT_APPLICATIONS = "import_applications"
    CLOSE = "close"
    APPROVE = "approve"
    RERUN = "rerun"
    RUN_ROUND = "run_round"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"
    RESEND = "resend"
    FOLLOW_UP = "follow_up"
    SYNC = "sync"
    SCHEDULE_SYNC = "schedule_sync"
    SEND_DIGEST = "send_digest"
    EXPORT = "export"
    ISSUE_API_KEY = "issue_api_key"
    REVOKE_API_KEY = "revoke_api_key"


class AuditRecord(BaseModel):
    """One row of the audit log as written."""

    #: The signed-in person's email, or ``anonymous`` before anyone is known.
    actor: str = Field(min_length=1, max_length=320)
    action: AuditAction
    #: What it was done to: a path, ``program:{name}``, ``cohort:{name}``.
    target: str = Field(default="", max_length=500)
    result: AuditResult = AuditResult.OK
    #: Small, JSON-serialisable facts (roles, the reason it was refused).
    detail: dict[str, Any] = {}
    request_id: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
