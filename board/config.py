"""The board's settings, read from the environment (docs/configuration.md)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from infrastructure.config import REPO_ROOT
from outbox.config import _loopback as is_loopback  # one rule for "loopback"

DEFAULT_ADDRESS = "127.0.0.1:8300"
DEFAULT_LEADS = "policies/board-leads.dev.toml"
DEFAULT_TEMPORAL_UI = "http://localhost:8233"


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str | None
    redirect_url: str
    claim: str = "preferred_username"


@dataclass(frozen=True)
class BoardSettings:
    host: str
    port: int
    leads_path: Path
    secret: str
    session_minutes: int
    dev_login: bool
    oidc: OidcSettings | None
    temporal_ui: str
    temporal_namespace: str
    poll_seconds: float

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _get(env, name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be at least 1, not {value}")
    return value


def _oidc(env: Mapping[str, str]) -> OidcSettings | None:
    issuer = _get(env, "TRAPPEBRO_BOARD_OIDC_ISSUER")
    if issuer is None:
        return None
    client_id = _get(env, "TRAPPEBRO_BOARD_OIDC_CLIENT_ID")
    redirect = _get(env, "TRAPPEBRO_BOARD_OIDC_REDIRECT_URL")
    if client_id is None or redirect is None:
        raise ValueError(
            "TRAPPEBRO_BOARD_OIDC_ISSUER needs TRAPPEBRO_BOARD_OIDC_CLIENT_ID and "
            "TRAPPEBRO_BOARD_OIDC_REDIRECT_URL"
        )
    return OidcSettings(
        issuer=issuer.rstrip("/"),
        client_id=client_id,
        client_secret=_get(env, "TRAPPEBRO_BOARD_OIDC_CLIENT_SECRET"),
        redirect_url=redirect,
        claim=_get(env, "TRAPPEBRO_BOARD_OIDC_CLAIM") or "preferred_username",
    )


def load_board_settings(env: Mapping[str, str] | None = None) -> BoardSettings:
    """Raises ValueError for a malformed or unsafe setting: a board that would let anyone
    in on a network address refuses to start."""
    environ: Mapping[str, str] = os.environ if env is None else env
    address = _get(environ, "TRAPPEBRO_BOARD_ADDRESS") or DEFAULT_ADDRESS
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"TRAPPEBRO_BOARD_ADDRESS must be host:port, not {address!r}")
    dev_login = (_get(environ, "TRAPPEBRO_BOARD_DEV_LOGIN") or "0") == "1"
    if dev_login and not is_loopback(host):
        raise ValueError("TRAPPEBRO_BOARD_DEV_LOGIN=1 is refused on a non-loopback address")
    oidc = _oidc(environ)
    if oidc is None and not dev_login:
        raise ValueError(
            "the board needs TRAPPEBRO_BOARD_OIDC_ISSUER (single sign-on) "
            "or TRAPPEBRO_BOARD_DEV_LOGIN=1"
        )
    secret = _get(environ, "TRAPPEBRO_BOARD_SECRET")
    if secret is None and not dev_login:
        raise ValueError("TRAPPEBRO_BOARD_SECRET is needed outside the development login")
    if secret is not None and len(secret) < 32:
        raise ValueError("TRAPPEBRO_BOARD_SECRET must be at least 32 characters")
    leads = Path(_get(environ, "TRAPPEBRO_BOARD_LEADS") or DEFAULT_LEADS).expanduser()
    return BoardSettings(
        host=host.strip("[]"),
        port=int(port),
        leads_path=leads if leads.is_absolute() else REPO_ROOT / leads,
        # A development board signs with a key of its own start: sessions end with it.
        secret=secret or secrets.token_urlsafe(32),
        session_minutes=_int(environ, "TRAPPEBRO_BOARD_SESSION_MINUTES", 480),
        dev_login=dev_login,
        oidc=oidc,
        temporal_ui=(_get(environ, "TRAPPEBRO_BOARD_TEMPORAL_UI") or DEFAULT_TEMPORAL_UI)
        .rstrip("/"),
        temporal_namespace=_get(environ, "TEMPORAL_NAMESPACE") or "default",
        poll_seconds=float(_int(environ, "TRAPPEBRO_BOARD_POLL_SECONDS", 5)),
    )
