"""How the client reaches Temporal: plain for the dev server, TLS for a
cluster, an API key or mTLS for Temporal Cloud."""

from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from mentorflow.settings import Settings
from mentorflow.temporal_client import connect, tls_config


def test_embedded_dev_server_needs_no_tls() -> None:
    assert tls_config(Settings()) is False


def test_an_api_key_implies_tls() -> None:
    assert tls_config(Settings(temporal_api_key="key")) is True


def test_client_certificate_gives_mtls(tmp_path: Path) -> None:
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    cert.write_bytes(b"CERT")
    key.write_bytes(b"KEY")
    tls = tls_config(Settings(temporal_tls_cert=cert, temporal_tls_key=key))
    assert isinstance(tls, TLSConfig)
    assert (tls.client_cert, tls.client_private_key) == (b"CERT", b"KEY")


async def test_connects_to_the_dev_server_with_the_pydantic_converter(dev_env) -> None:  # type: ignore[no-untyped-def]
    target = dev_env.client.service_client.config.target_host
    client = await connect(Settings(temporal_address=target))
    assert client.namespace == "default"
    assert client.data_converter is pydantic_data_converter
