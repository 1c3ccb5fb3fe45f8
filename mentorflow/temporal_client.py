"""One way to reach Temporal, shared by the worker, the web app and the CLI:
the pydantic data converter everywhere, and TLS or an API key when the
frontend is a cluster or Temporal Cloud rather than the embedded dev server.

A failed connection is a ``TemporalUnreachable`` that says in one line which
address and namespace were tried and why, instead of the SDK's Rust error
chain (and, uncaught, a long traceback)."""

from __future__ import annotations

import re

from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode, TLSConfig

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


class TemporalUnreachable(RuntimeError):
    """No Temporal frontend answered at the configured address. A
    ``RuntimeError``, as the SDK raises, so callers that retry keep working."""

    def __init__(self, address: str, namespace: str, reason: str) -> None:
        self.address = address
        self.namespace = namespace
        self.reason = reason
        super().__init__(
            f"cannot reach Temporal at {address} (namespace {namespace}): {reason}; "
            "is the server running? check MENTORFLOW_TEMPORAL_ADDRESS"
        )


class TemporalNamespaceMissing(TemporalUnreachable):
    """The frontend answered but has no such namespace: every later call would
    say "not found", which reads as "no such cohort" rather than "wrong setting"."""

    def __init__(self, address: str, namespace: str) -> None:
        RuntimeError.__init__(
            self,
            f"Temporal at {address} has no namespace {namespace!r}; "
            "check MENTORFLOW_TEMPORAL_NAMESPACE",
        )
        self.address, self.namespace, self.reason = address, namespace, "no such namespace"


def short_reason(error: Exception) -> str:
    """``tcp connect error: Connection refused`` out of the SDK's message, which
    nests the Rust error chain (``tonic::transport::Error(Transport, …)``): its
    quoted parts are the human ones."""
    text = str(error).removeprefix("Failed client connect: ")
    quoted = re.findall(r'"([^"]+)"', text)
    reason = ": ".join(quoted) if quoted else text
    return " ".join(reason.split())[:200] or type(error).__name__


async def connect(settings: Settings) -> Client:
    address = settings.resolved_temporal_address
    namespace = settings.temporal_namespace
    try:
        client = await Client.connect(
            address,
            namespace=namespace,
            api_key=settings.temporal_api_key,
            tls=tls_config(settings),
            data_converter=pydantic_data_converter,
        )
    except RuntimeError as exc:
        raise TemporalUnreachable(address, namespace, short_reason(exc)) from exc
    try:
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace)
        )
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise TemporalNamespaceMissing(address, namespace) from exc
        # Anything else (a key that may not describe namespaces, say) is left
        # to the calls that follow, which report it themselves.
    return client
