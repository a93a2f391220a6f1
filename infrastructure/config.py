"""Service settings, read once from the environment.

Temporal client settings are whatever ``temporalio.envconfig`` resolves, so the service
takes the same variables and profile files as the ``temporal`` CLI and other SDKs:

- ``TEMPORAL_ADDRESS`` (default ``localhost:7233``), ``TEMPORAL_NAMESPACE`` (default
  ``default``), ``TEMPORAL_API_KEY`` (turns TLS on), ``TEMPORAL_TLS``,
  ``TEMPORAL_TLS_CLIENT_CERT_PATH`` / ``_DATA``, ``TEMPORAL_TLS_CLIENT_KEY_PATH`` / ``_DATA``,
  ``TEMPORAL_TLS_SERVER_CA_CERT_PATH`` / ``_DATA``, ``TEMPORAL_TLS_SERVER_NAME``,
  ``TEMPORAL_GRPC_META_*``;
- ``TEMPORAL_CONFIG_FILE`` (TOML profiles, default ``~/.config/temporalio/temporal.toml``)
  and ``TEMPORAL_PROFILE`` (default ``default``); variables override the profile.

Service settings:

- ``TRAPPEBRO_TASK_QUEUE``: task queue of the case workers (default ``trappebro-cases``);
- ``DATABASE_URL``: PostgreSQL URL for asyncpg; unset means "not configured" (the dev
  stack then starts an embedded PostgreSQL);
- ``TRAPPEBRO_POLICY``: policy file (default ``policies/default.toml``); a relative path
  is taken from the repository root so it does not depend on the working directory;
- ``LOG_LEVEL``: ``DEBUG``, ``INFO`` (default), ``WARNING``, ``ERROR`` or ``CRITICAL``;
- ``TRAPPEBRO_DB_POOL_MAX``: largest asyncpg pool size (default 10);
- ``TRAPPEBRO_PAYLOAD_KEYS`` / ``TRAPPEBRO_PAYLOAD_KEY_FILE``: the payload encryption key
  ring (see codec/keys.py); without one, clients refuse to connect unless
  ``TRAPPEBRO_PLAINTEXT_PAYLOADS=1`` says plain payloads are intended;
- ``TRAPPEBRO_METRICS_ADDRESS``: ``host:port`` where the worker serves Prometheus metrics
  (default: none, no metrics endpoint); ``TRAPPEBRO_METRICS_INTERVAL``: seconds between
  refreshes of the cases-per-stage gauges (default 30);
- ``TRAPPEBRO_HEALTH_ADDRESS``: ``host:port`` of the worker's health endpoint (default: none);
- ``TRAPPEBRO_TRACING``: ``off`` (default), ``otlp`` (OpenTelemetry to the collector in the
  standard ``OTEL_EXPORTER_OTLP_*`` variables) or ``console``.

An empty variable counts as unset, which is what ``FOO= command`` usually means.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.envconfig import ClientConfigProfile, ClientConnectConfig

from codec.keys import KeyRing, load_keyring

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_TEMPORAL_ADDRESS = "localhost:7233"
DEFAULT_TEMPORAL_NAMESPACE = "default"
DEFAULT_TASK_QUEUE = "trappebro-cases"
DEFAULT_POLICY = "policies/default.toml"
DEFAULT_LOG_LEVEL = "INFO"
DEFAULT_DB_POOL_MAX = 10
# Written by the dev stack on first start; gitignored with the rest of .data/.
DEV_KEY_FILE = REPO_ROOT / ".data" / "payload-keys"

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_METRICS_INTERVAL = 30.0
TRACING_MODES = ("off", "otlp", "console")


@dataclass(frozen=True)
class Settings:
    """Everything the service reads from its environment. Build it with `load_settings`."""

    temporal: ClientConfigProfile = field(default_factory=ClientConfigProfile)
    """The Temporal profile as envconfig loaded it (file + variables), before defaults."""
    task_queue: str = DEFAULT_TASK_QUEUE
    database_url: str | None = None
    policy_path: Path = REPO_ROOT / DEFAULT_POLICY
    log_level: str = DEFAULT_LOG_LEVEL
    db_pool_max: int = DEFAULT_DB_POOL_MAX
    payload_keys: KeyRing | None = None
    plaintext_payloads: bool = False
    metrics_address: str | None = None
    metrics_interval: float = DEFAULT_METRICS_INTERVAL
    health_address: str | None = None
    tracing: str = "off"

    @property
    def temporal_address(self) -> str:
        return self.temporal.address or DEFAULT_TEMPORAL_ADDRESS

    @property
    def temporal_namespace(self) -> str:
        return self.temporal.namespace or DEFAULT_TEMPORAL_NAMESPACE

    def temporal_connect_config(self) -> ClientConnectConfig:
        """Keyword arguments for ``Client.connect`` (address, namespace, API key, TLS, gRPC
        metadata), with the documented defaults filled in."""
        config = self.temporal.to_client_connect_config()
        config["target_host"] = self.temporal_address
        config["namespace"] = self.temporal_namespace
        return config


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read `Settings` from ``env`` (default: the process environment).

    Raises ``ValueError`` for a malformed value: better to refuse to start than to run a
    worker against the wrong pool size or log level.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    # envconfig reads the profile file and the TEMPORAL_* variables itself; giving it the
    # same mapping keeps an explicit env (tests) from mixing with the process one.
    temporal = ClientConfigProfile.load(override_env_vars=dict(environ))

    log_level = (_get(environ, "LOG_LEVEL") or DEFAULT_LOG_LEVEL).upper()
    if log_level not in LOG_LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {log_level!r}")

    pool_raw = _get(environ, "TRAPPEBRO_DB_POOL_MAX")
    try:
        db_pool_max = int(pool_raw) if pool_raw is not None else DEFAULT_DB_POOL_MAX
    except ValueError:
        raise ValueError(f"TRAPPEBRO_DB_POOL_MAX must be an integer, not {pool_raw!r}") from None
    if db_pool_max < 1:
        raise ValueError(f"TRAPPEBRO_DB_POOL_MAX must be at least 1, not {db_pool_max}")

    policy = Path(_get(environ, "TRAPPEBRO_POLICY") or DEFAULT_POLICY).expanduser()
    if not policy.is_absolute():
        policy = REPO_ROOT / policy

    plaintext = (_get(environ, "TRAPPEBRO_PLAINTEXT_PAYLOADS") or "0").lower()
    if plaintext not in ("0", "1", "false", "true"):
        raise ValueError(f"TRAPPEBRO_PLAINTEXT_PAYLOADS must be 0 or 1, not {plaintext!r}")

    tracing = (_get(environ, "TRAPPEBRO_TRACING") or "off").lower()
    if tracing not in TRACING_MODES:
        raise ValueError(f"TRAPPEBRO_TRACING must be one of {', '.join(TRACING_MODES)}")

    return Settings(
        temporal=temporal,
        task_queue=_get(environ, "TRAPPEBRO_TASK_QUEUE") or DEFAULT_TASK_QUEUE,
        database_url=_get(environ, "DATABASE_URL"),
        policy_path=policy,
        log_level=log_level,
        db_pool_max=db_pool_max,
        payload_keys=load_keyring(environ, DEV_KEY_FILE),
        plaintext_payloads=plaintext in ("1", "true"),
        metrics_address=_address(environ, "TRAPPEBRO_METRICS_ADDRESS"),
        metrics_interval=_seconds(environ, "TRAPPEBRO_METRICS_INTERVAL", DEFAULT_METRICS_INTERVAL),
        health_address=_address(environ, "TRAPPEBRO_HEALTH_ADDRESS"),
        tracing=tracing,
    )


def _address(env: Mapping[str, str], name: str) -> str | None:
    """A ``host:port`` to listen on, checked now rather than when the socket is bound."""
    value = _get(env, name)
    if value is None:
        return None
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{name} must be host:port, e.g. 0.0.0.0:9464, not {value!r}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _get(env, name)
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be more than 0, not {raw!r}")
    return value
