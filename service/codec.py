"""Payload encryption: AES-256-GCM over every payload the service gives Temporal.

Each encrypted payload carries ``encoding: binary/encrypted`` and the id of the key that
wrote it, so rotated keys keep old payloads readable. Payloads without that encoding pass
through decoding unchanged: histories written before encryption (running cases, the
recorded replay histories) keep working. Search attributes never pass a codec; they hold
only pseudonymous values by design.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

from service.keys import KeyRing

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
_NONCE = 12


class UndecryptablePayload(ValueError):
    """A payload this key ring cannot open: unknown key id, or tampered or corrupt data."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._ciphers = {key_id: AESGCM(key) for key_id, key in ring.keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        key_id = self.ring.current_id
        nonce = os.urandom(_NONCE)
        # The key id is authenticated too: a payload relabelled with another id fails.
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=nonce + sealed
        )

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode("utf-8", "replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UndecryptablePayload(f"payload key {key_id!r} is not in the key ring")
        data = payload.data
        try:
            plain = cipher.decrypt(data[:_NONCE], data[_NONCE:], key_id.encode())
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
