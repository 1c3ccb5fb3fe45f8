"""One way to reach Temporal, shared by the worker, the web app and the CLI:
the pydantic data converter everywhere, and TLS or an API key when the
frontend is a cluster or Temporal Cloud rather than the embedded dev server."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from mentorflow.settings import Settings


def tls_config(settings: Settings) -> TLSConfig | bool:
    """mTLS when a client certificate is configured, plain TLS when asked for
    (an API key implies it, as Temporal Cloud requires), otherwise none."""
    if settings.temporal_tls_cert and settings.temporal_tls_key:
        return TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes(),
            client_private_key=settings.temporal_tls_key.read_bytes(),
        )
    return settings.temporal_tls or settings.temporal_api_key is not None


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        api_key=settings.temporal_api_key,
        tls=tls_config(settings),
        data_converter=pydantic_data_converter,
    )
