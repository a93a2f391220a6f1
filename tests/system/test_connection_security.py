"""Connection security from the environment: Temporal TLS, mTLS and API key through
envconfig, PostgreSQL TLS through asyncpg's own ``sslmode`` settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from temporalio.service import TLSConfig
from temporalio.testing import WorkflowEnvironment

from activities.db import create_pool
from infrastructure.config import REPO_ROOT, load_settings
from infrastructure.temporal import connect
from testkit.keys import keys_env


def _env(**values: str) -> dict[str, str]:
    return {"TEMPORAL_CONFIG_FILE": str(REPO_ROOT / "no-such-temporal.toml"), **values}


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_mtls_settings_reach_the_client_config(tmp_path: Path) -> None:
    client_cert, client_key = _self_signed(tmp_path, "worker")
    ca, _ = _self_signed(tmp_path, "ca")
    settings = load_settings(
        _env(
            TEMPORAL_ADDRESS="temporal.kommune.example:7233",
            TEMPORAL_TLS_CLIENT_CERT_PATH=str(client_cert),
            TEMPORAL_TLS_CLIENT_KEY_PATH=str(client_key),
            TEMPORAL_TLS_SERVER_CA_CERT_PATH=str(ca),
            TEMPORAL_TLS_SERVER_NAME="temporal.kommune.example",
        )
    )
    tls = settings.temporal_connect_config()["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.client_cert == client_cert.read_bytes()
    assert tls.client_private_key == client_key.read_bytes()
    assert tls.server_root_ca_cert == ca.read_bytes()
    assert tls.domain == "temporal.kommune.example"


def test_api_key_implies_tls_and_tls_can_be_off() -> None:
    config = load_settings(_env(TEMPORAL_API_KEY="k")).temporal_connect_config()
    assert (config["api_key"], config["tls"]) == ("k", True)
    assert load_settings(_env(TEMPORAL_TLS="false")).temporal_connect_config()["tls"] is False


async def test_tls_from_the_environment_is_really_used(dev_env: WorkflowEnvironment) -> None:
    # The dev server speaks plain gRPC: a client that insists on TLS must fail to connect,
    # which proves the variable reaches the wire rather than only the config object.
    address = dev_env.client.service_client.config.target_host
    plain = load_settings(_env(TEMPORAL_ADDRESS=address, **keys_env()))
    assert (await connect(plain)).namespace == "default"
    secured = load_settings(_env(TEMPORAL_ADDRESS=address, TEMPORAL_TLS="true", **keys_env()))
    with pytest.raises(RuntimeError):
        await connect(secured)


async def test_postgres_tls_settings_are_read_from_the_url_and_environment(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # asyncpg reads sslmode and the certificate files from DATABASE_URL or the PGSSL*
    # variables; a CA file that is not there makes verify-full fail before any query.
    missing = tmp_path / "no-ca.pem"
    with pytest.raises(FileNotFoundError):
        await create_pool(f"{database_url}&sslmode=verify-full&sslrootcert={missing}")
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    monkeypatch.setenv("PGSSLROOTCERT", str(missing))
    with pytest.raises(FileNotFoundError):
        await create_pool(database_url)
    monkeypatch.delenv("PGSSLMODE")
    monkeypatch.delenv("PGSSLROOTCERT")
    pool = await create_pool(database_url)
    try:
        assert await pool.fetchval("SELECT 1") == 1
    finally:
        await pool.close()
