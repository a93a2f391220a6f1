"""Finding 6 of the attack: key files and the dev server's database readable by the owner
only, and a key that can be added decrypt-only first, then promoted (the rotation steps)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext

from codec.keys import (
    OWNER_ONLY_UMASK,
    KeyRingError,
    generate,
    load_keyring,
    narrow,
    parse_keys,
    read_key_file,
    write_key_file,
)
from codec.payloads import KEY_ID, WORKFLOW_ID, EncryptionCodec, UndecryptablePayload

PLAIN = Payload(metadata={"encoding": b"json/plain"}, data=b'"secret"')


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "keys"
    write_key_file(path, generate("k1"))
    path.chmod(mode)
    with pytest.raises(KeyRingError, match="chmod 600"):
        load_keyring({"TRAPPEBRO_PAYLOAD_KEY_FILE": str(path)}, tmp_path / "none")
    with pytest.raises(KeyRingError, match="group or others"):
        read_key_file(path)


def test_writing_narrows_an_existing_file_to_0600(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    path.write_text("")
    path.chmod(0o666)
    write_key_file(path, generate("k1"))
    assert path.stat().st_mode & 0o777 == 0o600
    assert read_key_file(path).current_id == "k1"


def test_the_dev_database_file_is_owner_only(tmp_path: Path) -> None:
    """An old database is narrowed; a new one is created by a process under the umask the
    dev stack starts the server with."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    old.write_bytes(b"SQLite format 3\x00")
    old.chmod(0o644)
    narrow(old)
    narrow(new)
    assert old.stat().st_mode & 0o777 == 0o600
    assert old.read_bytes().startswith(b"SQLite")  # narrowed, not emptied
    assert not new.exists()  # an empty file would pass for a database
    write = f"open({str(new)!r}, 'w').write('x')"
    subprocess.run([sys.executable, "-c", write], check=True, umask=OWNER_ONLY_UMASK)
    assert new.stat().st_mode & 0o777 == 0o600


def test_a_decrypt_only_key_reads_but_never_writes_until_promoted() -> None:
    old = generate("2026-old")
    staged = old.with_new_key("2026-new", decrypt_only=True)
    assert staged.current_id == "2026-old"
    assert parse_keys(staged.to_text(), "file") == staged
    assert ":decrypt-only" in staged.to_text()
    promoted = staged.promoted("2026-new")
    assert promoted.current_id == "2026-new"
    # Step 1 everywhere, then step 2 anywhere: what a promoted process writes, a staged
    # process reads, and the other way round.
    written_new = asyncio.run(EncryptionCodec(promoted).encode([PLAIN]))
    written_old = asyncio.run(EncryptionCodec(staged).encode([PLAIN]))
    assert written_old[0].metadata[KEY_ID] == b"2026-old"
    assert asyncio.run(EncryptionCodec(staged).decode(written_new)) == [PLAIN]
    assert asyncio.run(EncryptionCodec(promoted).decode(written_old)) == [PLAIN]
    with pytest.raises(KeyRingError, match="decrypt-only"):
        parse_keys(generate("x").to_text().replace("\n", ":decrypt-only\n"), "file")


def test_payloads_carry_their_workflow_id_under_the_tag() -> None:
    ring = generate("k1")
    codec = EncryptionCodec(ring).with_context(
        WorkflowSerializationContext(namespace="default", workflow_id="case-K-1")
    )
    sealed = asyncio.run(codec.encode([PLAIN]))[0]
    assert sealed.metadata[WORKFLOW_ID] == b"case-K-1"
    assert asyncio.run(EncryptionCodec(ring).decode([sealed])) == [PLAIN]
    forged = Payload(metadata={**sealed.metadata, WORKFLOW_ID: b"case-K-2"}, data=sealed.data)
    with pytest.raises(UndecryptablePayload):
        asyncio.run(EncryptionCodec(ring).decode([forged]))
