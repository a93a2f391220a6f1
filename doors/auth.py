"""Who is calling: bearer tokens and HMAC-SHA256 request signatures, shared by the HTTP
door and the codec server.

Secrets are configured as ``<principal>:<secret>`` entries (commas, whitespace or lines
between them; ``#`` comments in files): the principal is the name written to the logs, the
secret is never logged. Every comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from secrets import token_urlsafe

MIN_SECRET = 16  # characters: shorter secrets are guessable
# A signature may come from a clock this far ahead of ours, no more: a timestamp further in
# the future would keep a captured request valid for longer than the window.
FUTURE_SKEW = 30
_PRINCIPAL = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


class AuthFailure(Exception):
    """The request is not authenticated; the message says why, without secrets."""


@dataclass(frozen=True)
class Secrets:
    """Principal names by secret."""

    entries: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def match(self, candidate: str) -> str | None:
        """The principal whose secret is ``candidate``; every entry is compared."""
        found = None
        for principal, secret in self.entries:
            if hmac.compare_digest(secret.encode(), candidate.encode()):
                found = principal
        return found


def parse_secrets(text: str, source: str) -> Secrets:
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    entries: list[tuple[str, str]] = []
    for number, entry in enumerate((e for line in lines for e in re.split(r"[\s,]+", line)), 1):
        if not entry:
            continue
        principal, sep, secret = entry.partition(":")
        if not sep or not _PRINCIPAL.match(principal):
            raise ValueError(f"{source}: entry {number} must be <principal>:<secret>")
        if len(secret) < MIN_SECRET:
            raise ValueError(f"{source}: the secret of {principal!r} is under {MIN_SECRET} chars")
        entries.append((principal, secret))
    return Secrets(tuple(entries))


def load_secrets(env: Mapping[str, str], name: str) -> Secrets:
    """Secrets from variable ``name`` or from the file named in ``<name>_FILE``."""
    inline = env.get(name, "").strip()
    if inline:
        return parse_secrets(inline, name)
    path = env.get(f"{name}_FILE", "").strip()
    if path:
        return parse_secrets(Path(path).expanduser().read_text(encoding="utf-8"), path)
    return Secrets()


def bearer(header: str | None, secrets: Secrets) -> str:
    """The principal of an ``Authorization: Bearer <token>`` header."""
    if not header:
        raise AuthFailure("missing Authorization header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthFailure("Authorization must be 'Bearer <token>'")
    principal = secrets.match(token.strip())
    if principal is None:
        raise AuthFailure("unknown token")
    return principal


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, ``<timestamp>.`` + body)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def fresh(timestamp: str | None, given: str | None, now: float, window: float) -> None:
    """The signature headers are there and the timestamp is inside the window: checked
    before the body is read, so a stale or absent signature costs no read."""
    if not timestamp or not given:
        raise AuthFailure("missing signature or timestamp header")
    if not re.fullmatch(r"\d{1,12}", timestamp):
        raise AuthFailure("timestamp must be Unix seconds")
    age = now - int(timestamp)
    if age > window or -age > FUTURE_SKEW:
        raise AuthFailure(
            f"timestamp outside the window ({window:.0f} s back, {FUTURE_SKEW} s ahead):"
            " replay or clock skew"
        )


def signed(
    timestamp: str | None,
    given: str | None,
    body: bytes,
    secrets: Secrets,
    now: float,
    window: float,
) -> str:
    """The principal whose secret signed ``body`` at ``timestamp`` (Unix seconds), at most
    ``window`` seconds ago and `FUTURE_SKEW` ahead; a replay outside the window is refused."""
    fresh(timestamp, given, now, window)
    assert timestamp is not None and given is not None
    found = None
    for principal, secret in secrets.entries:
        if hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode()):
            found = principal
    if found is None:
        raise AuthFailure("signature does not match")
    return found


def ensure_secrets_file(path: Path, principals: Sequence[str]) -> Secrets:
    """The secrets in ``path``; first a file with a random secret for each of
    ``principals`` (owner-readable only) when there is none. For the dev stack."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(f"{name}:{token_urlsafe(24)}\n" for name in principals)
    return parse_secrets(path.read_text(encoding="utf-8"), str(path))
