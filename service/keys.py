"""Payload encryption keys: where they come from and how they rotate.

A key ring is a list of ``<key id>:<base64 of 32 random bytes>`` entries, from
``TRAPPEBRO_PAYLOAD_KEYS`` (entries separated by commas or whitespace) or from the file in
``TRAPPEBRO_PAYLOAD_KEY_FILE`` (one entry a line, ``#`` comments). The last entry is the
current key, used for everything written from now on; earlier entries only decrypt what
they wrote. Rotating is appending a new entry and restarting; an old key may be dropped once
no retained history uses it.

Without either variable, ``.data/payload-keys`` is used when it exists: the dev stack writes
it on first start (gitignored, never in the repository), so ``scripts/up`` needs nothing
exported. A key file is read when settings are loaded, never from the repository itself.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class KeyRingError(ValueError):
    """A key ring that cannot be used; the message names the entry, never the key."""


@dataclass(frozen=True)
class KeyRing:
    """Keys by id, in the order given; the last one encrypts."""

    keys: tuple[tuple[str, bytes], ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyRingError("a key ring needs at least one key")
        ids = [key_id for key_id, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyRingError("key ids must be unique")

    @property
    def current_id(self) -> str:
        return self.keys[-1][0]

    def by_id(self) -> dict[str, bytes]:
        return dict(self.keys)

    def with_new_key(self, key_id: str | None = None) -> KeyRing:
        """This ring with a freshly generated current key appended (what rotation does)."""
        return KeyRing((*self.keys, (key_id or new_key_id(), secrets.token_bytes(KEY_BYTES))))

    def to_text(self) -> str:
        """The ring in the file format ``parse_keys`` reads."""
        return "".join(f"{i}:{base64.b64encode(k).decode()}\n" for i, k in self.keys)


def new_key_id() -> str:
    """A readable, unique-enough id: the creation time plus a short random tail."""
    return f"{datetime.now(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"


def generate(key_id: str | None = None) -> KeyRing:
    return KeyRing(((key_id or new_key_id(), secrets.token_bytes(KEY_BYTES)),))


def parse_keys(text: str, source: str) -> KeyRing:
    """Read ``<id>:<base64>`` entries; ``source`` names the variable or file in errors."""
    lines = (line.split("#", 1)[0] for line in text.splitlines())
    entries = [e for line in lines for e in re.split(r"[\s,]+", line) if e]
    keys: list[tuple[str, bytes]] = []
    for number, entry in enumerate(entries, 1):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID.match(key_id):
            raise KeyRingError(f"{source}: entry {number} must be <id>:<base64 key>")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise KeyRingError(f"{source}: key {key_id!r} is not base64") from None
        if len(key) != KEY_BYTES:
            raise KeyRingError(f"{source}: key {key_id!r} must be {KEY_BYTES} bytes long")
        keys.append((key_id, key))
    if not keys:
        raise KeyRingError(f"{source}: no keys")
    return KeyRing(tuple(keys))


def read_key_file(path: Path) -> KeyRing:
    return parse_keys(path.read_text(encoding="utf-8"), str(path))


def write_key_file(path: Path, ring: KeyRing) -> None:
    """Write ``ring`` readable by the owner only (created that way, never widened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(ring.to_text())


def ensure_key_file(path: Path) -> KeyRing:
    """The ring in ``path``, generating a one-key file first when there is none."""
    if not path.exists():
        write_key_file(path, generate())
    return read_key_file(path)


def load_keyring(env: Mapping[str, str], default_file: Path) -> KeyRing | None:
    """The ring configured in ``env``, else ``default_file`` if it exists, else None."""
    inline = env.get("TRAPPEBRO_PAYLOAD_KEYS", "").strip()
    if inline:
        return parse_keys(inline, "TRAPPEBRO_PAYLOAD_KEYS")
    named = env.get("TRAPPEBRO_PAYLOAD_KEY_FILE", "").strip()
    if named:
        return read_key_file(Path(named).expanduser())
    return read_key_file(default_file) if default_file.exists() else None
