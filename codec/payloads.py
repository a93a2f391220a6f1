"""Payload encryption: AES-256-GCM over every payload the service gives Temporal.

Each encrypted payload carries ``encoding: binary/encrypted``, the id of the key that
wrote it (so rotated keys keep old payloads readable) and the id of the workflow it belongs
to (the SDK's serialization context), both authenticated with the data: the codec server
logs whose payloads it decoded from the payload itself, not from what a caller claims.
Payloads without that encoding pass through the worker's decoding unchanged: histories
written before encryption (running cases, the recorded replay histories) keep working.
Search attributes never pass a codec; they hold only pseudonymous values by design.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Sequence
from typing import Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)

from codec.keys import KeyRing

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
WORKFLOW_ID = "encryption-workflow-id"
_NONCE = 12


class UndecryptablePayload(ValueError):
    """A payload this key ring cannot open: unknown key id, or tampered or corrupt data."""


def _associated(key_id: str, workflow_id: str | None) -> bytes:
    # What the tag covers besides the data: relabelling either id makes decryption fail.
    return key_id.encode() if workflow_id is None else f"{key_id}\n{workflow_id}".encode()


def sealed_for(payload: Payload) -> str | None:
    """The workflow an encrypted payload says it belongs to (checked when decrypted)."""
    raw = payload.metadata.get(WORKFLOW_ID)
    return raw.decode("utf-8", "replace") if raw is not None else None


def is_encrypted(payload: Payload) -> bool:
    return payload.metadata.get("encoding") == ENCODING


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    def __init__(self, ring: KeyRing, workflow_id: str | None = None) -> None:
        self.ring = ring
        self.workflow_id = workflow_id
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys}

    def with_context(self, context: SerializationContext) -> Self:
        """The codec for one workflow's payloads: they carry its id."""
        bound = copy.copy(self)
        bound.workflow_id = getattr(context, "workflow_id", None) or None
        return bound

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.ring.current_id
        nonce = os.urandom(_NONCE)
        associated = _associated(key_id, self.workflow_id)
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), associated)
        metadata = {"encoding": ENCODING, KEY_ID: key_id.encode()}
        if self.workflow_id is not None:
            metadata[WORKFLOW_ID] = self.workflow_id.encode()
        return Payload(metadata=metadata, data=nonce + sealed)

    def decrypt(self, payload: Payload) -> Payload:
        if not is_encrypted(payload):
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UndecryptablePayload(f"payload key {key_id!r} is not in the key ring")
        data = payload.data
        try:
            associated = _associated(key_id, sealed_for(payload))
            plain = cipher.decrypt(data[:_NONCE], data[_NONCE:], associated)
        except InvalidTag:
            raise UndecryptablePayload(f"payload under key {key_id!r} fails its check") from None
        return Payload.FromString(plain)


def data_converter(ring: KeyRing | None) -> DataConverter:
    """The service's converter: pydantic JSON, and with a key ring every payload and failure
    message encrypted (``None``: plain payloads, for an explicit opt-out only)."""
    if ring is None:
        return pydantic_data_converter
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(ring),
        # Failure messages and stack traces can quote citizen data: encrypt them as well.
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
