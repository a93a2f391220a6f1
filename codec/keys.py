"""Payload encryption keys: where they come from and how they rotate.

A key ring is a list of ``<key id>:<base64 of 32 random bytes>`` entries, from
``TRAPPEBRO_PAYLOAD_KEYS`` (entries separated by commas or whitespace) or from the file in
``TRAPPEBRO_PAYLOAD_KEY_FILE`` (one entry a line, ``#`` comments). The last entry not marked
``:decrypt-only`` is the current key, used for everything written from now on; the others
only decrypt. Rotation (docs/citizens-data.md): add the new key as ``<id>:<key>:decrypt-only``
and restart every process; then remove the mark and restart again, so no process writes
with a key another cannot read yet. A key file readable by group or others is refused.

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
_MARK = ":decrypt-only"


class KeyRingError(ValueError):
    """A key ring that cannot be used; the message names the entry, never the key."""


@dataclass(frozen=True)
class KeyRing:
    """Keys by id, in the order given; the last one encrypts."""

    keys: tuple[tuple[str, bytes], ...]
    decrypt_only: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeyRingError("a key ring needs at least one key")
        ids = [key_id for key_id, _ in self.keys]
        if len(set(ids)) != len(ids):
            raise KeyRingError("key ids must be unique")
        if all(key_id in self.decrypt_only for key_id in ids):
            raise KeyRingError("every key is decrypt-only: one must encrypt")

    @property
    def current_id(self) -> str:
        return [key_id for key_id, _ in self.keys if key_id not in self.decrypt_only][-1]

    def promoted(self, key_id: str) -> KeyRing:
        """This ring with ``key_id`` no longer decrypt-only (the second step of rotation)."""
        return KeyRing(self.keys, self.decrypt_only - {key_id})

    def by_id(self) -> dict[str, bytes]:
        return dict(self.keys)

    def with_new_key(self, key_id: str | None = None, decrypt_only: bool = False) -> KeyRing:
        """This ring with a freshly generated key appended: the current one, or with
        ``decrypt_only`` only readable until `promoted` (the first step of rotation)."""
        new = key_id or new_key_id()
        marks = self.decrypt_only | {new} if decrypt_only else self.decrypt_only
        return KeyRing((*self.keys, (new, secrets.token_bytes(KEY_BYTES))), marks)

    def to_text(self) -> str:
        """The ring in the file format ``parse_keys`` reads."""
        return "".join(
            f"{i}:{base64.b64encode(k).decode()}{_MARK if i in self.decrypt_only else ''}\n"
            for i, k in self.keys
        )


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
    marked: set[str] = set()
    for number, entry in enumerate(entries, 1):
        key_id, sep, encoded = entry.partition(":")
        if encoded.endswith(_MARK):
            encoded = encoded.removesuffix(_MARK)
            marked.add(key_id)
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
    try:
        return KeyRing(tuple(keys), frozenset(marked))
    except KeyRingError as err:
        raise KeyRingError(f"{source}: {err}") from None


def owner_only(path: Path) -> None:
    """Refuse a secret file that group or others may read or write: someone already may
    have, and a service that starts anyway hides it."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyRingError(
            f"{path}: mode {mode:03o} lets group or others read it; chmod 600 it"
            " (and replace the keys if anyone may have read them)"
        )


# The umask for a process that writes citizens' data to files (the dev server's database):
# what it creates is the owner's alone.
OWNER_ONLY_UMASK = 0o077


def narrow(path: Path) -> None:
    """An existing file made owner-only (0600); a file not there yet is left alone: its
    creator runs with `OWNER_ONLY_UMASK` (an empty file would pass for a database)."""
    if path.exists():
        path.chmod(0o600)


def read_key_file(path: Path) -> KeyRing:
    owner_only(path)
    return parse_keys(path.read_text(encoding="utf-8"), str(path))


def write_key_file(path: Path, ring: KeyRing) -> None:
    """Write ``ring`` readable by the owner only: created that way, and an existing file's
    mode narrowed to 0600 before anything is written into it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
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
