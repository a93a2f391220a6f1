"""The relay's receivers and retry settings, from a TOML file the operators own.

``TRAPPEBRO_RECEIVERS`` names the file (see docs/outbox.md and policies/receivers.example.toml)::

    [relay]
    max_attempts = 12          # then dead-lettered
    max_age_seconds = 172800   # or dead-lettered once a message is this old
    timeout_seconds = 10       # one request
    first_delay_seconds = 2    # backoff: first_delay * 2^(attempt-1), with full jitter
    max_delay_seconds = 600
    fold_due_before = 2026-12-01T00:00:00+01:00   # first import: see outbox/fold.py
    fold_quiet_seconds = 60

    [receivers.aarhus]
    url = "https://sag.aarhus.dk/trappebro/hooks"
    secret_env = "AARHUS_WEBHOOK_SECRET"   # or secret_file = "/run/secrets/aarhus-webhook"
    municipalities = ["Aarhus"]            # none: every municipality
    kinds = ["escalation"]                 # none: every kind

A message goes to the first receiver (in file order) whose lists match it; a message no
receiver matches waits on the pull feed. Everything is checked at start, and a bad file is
refused with the setting it names: a relay must not run half configured.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook

RECEIVERS_VAR = "TRAPPEBRO_RECEIVERS"


class ConfigError(ValueError):
    """The receivers file is wrong; the message names the setting and the reason."""


@dataclass(frozen=True)
class Receiver:
    name: str
    url: str
    secret: str
    municipalities: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()

    def takes(self, municipality: str | None, kind: str) -> bool:
        return (not self.municipalities or municipality in self.municipalities) and (
            not self.kinds or kind in self.kinds
        )


@dataclass(frozen=True)
class RelaySettings:
    max_attempts: int = 12
    max_age_seconds: float = 2 * 86400.0
    timeout_seconds: float = 10.0
    first_delay_seconds: float = 2.0
    max_delay_seconds: float = 600.0
    batch: int = 200
    concurrency: int = 64
    poll_seconds: float = 0.2
    fold_due_before: datetime | None = None
    fold_quiet_seconds: float = 60.0

    @property
    def lease_seconds(self) -> float:
        """How long a claim holds a row: past any send, so two relays never send it at once."""
        return self.timeout_seconds * 3 + 5


@dataclass(frozen=True)
class RelayConfig:
    settings: RelaySettings
    receivers: tuple[Receiver, ...]

    def receiver_for(self, municipality: str | None, kind: str) -> Receiver | None:
        return next((r for r in self.receivers if r.takes(municipality, kind)), None)


def load_config(path: Path, env: Mapping[str, str] | None = None) -> RelayConfig:
    environ = os.environ if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{RECEIVERS_VAR}: cannot read {path}: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    unknown = set(raw) - {"relay", "receivers"}
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {sorted(unknown)}")
    settings = _settings(raw.get("relay", {}), path)
    receivers = tuple(
        _receiver(name, table, path, environ) for name, table in raw.get("receivers", {}).items()
    )
    return RelayConfig(settings, receivers)


_NUMBERS = {
    "max_attempts": int,
    "max_age_seconds": float,
    "timeout_seconds": float,
    "first_delay_seconds": float,
    "max_delay_seconds": float,
    "batch": int,
    "concurrency": int,
    "poll_seconds": float,
    "fold_quiet_seconds": float,
}


def _settings(table: dict[str, Any], path: Path) -> RelaySettings:
    values: dict[str, Any] = {}
    cutoff = table.pop("fold_due_before", None)
    if cutoff is not None:
        if not isinstance(cutoff, datetime) or cutoff.tzinfo is None:
            raise ConfigError(
                f"{path}: relay.fold_due_before must be a date and time with its offset, "
                f"e.g. 2026-12-01T00:00:00+01:00, not {cutoff!r}"
            )
        values["fold_due_before"] = cutoff
    for key, value in table.items():
        kind = _NUMBERS.get(key)
        if kind is None:
            known = ", ".join([*_NUMBERS, "fold_due_before"])
            raise ConfigError(f"{path}: relay.{key} is not a setting ({known})")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{path}: relay.{key} must be a number above 0, not {value!r}")
        if kind is int and not isinstance(value, int):
            raise ConfigError(f"{path}: relay.{key} must be a whole number, not {value!r}")
        values[key] = kind(value)
    return RelaySettings(**values)


def _receiver(name: str, table: Any, path: Path, env: Mapping[str, str]) -> Receiver:
    where = f"{path}: receivers.{name}"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(table) - {"url", "secret_env", "secret_file", "municipalities", "kinds"}
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {sorted(unknown)}")
    url = table.get("url")
    if not isinstance(url, str) or not url:
        raise ConfigError(f"{where}.url is missing")
    _check_url(url, f"{where}.url")
    return Receiver(
        name=name,
        url=url,
        secret=_secret(table, where, env),
        municipalities=_names(table, "municipalities", where),
        kinds=_names(table, "kinds", where),
    )


def _check_url(url: str, where: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{where} must be an https:// URL, not {url!r}")
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise ConfigError(f"{where} must use https outside loopback, not {url!r}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _secret(table: dict[str, Any], where: str, env: Mapping[str, str]) -> str:
    if "secret_env" in table:
        secret = env.get(str(table["secret_env"]), "").strip()
        if not secret:
            raise ConfigError(f"{where}.secret_env: variable {table['secret_env']} is not set")
    elif "secret_file" in table:
        try:
            secret = Path(str(table["secret_file"])).expanduser().read_text("utf-8").strip()
        except OSError as err:
            raise ConfigError(f"{where}.secret_file: cannot read: {err.strerror}") from None
    else:
        raise ConfigError(f"{where}: no secret: set secret_env or secret_file")
    try:
        Webhook(secret)
    except Exception:
        raise ConfigError(f"{where}: the secret must be base64 (whsec_...), 24+ bytes") from None
    if len(Webhook(secret)._whsecret) < 24:
        raise ConfigError(f"{where}: the secret must be base64 (whsec_...), 24+ bytes")
    return secret


def _names(table: dict[str, Any], key: str, where: str) -> frozenset[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}.{key} must be a list of names")
    return frozenset(value)
