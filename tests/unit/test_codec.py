"""The payload codec and the key ring on their own: round trip, plain payloads let by,
tampered or relabelled payloads refused, key text parsed or refused without echoing a key."""

from __future__ import annotations

import base64

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from codec.keys import KeyRingError, generate, parse_keys
from codec.payloads import KEY_ID, EncryptionCodec, UndecryptablePayload
from infrastructure.config import Settings
from infrastructure.temporal import MissingPayloadKey, service_converter
from testkit.keys import CONVERTER, KEYS

# A citizen's field, ASCII so a search of raw bytes cannot miss an escaped form.
GOAL = "Truckforer ZQXGOAL"


def _payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def test_codec_round_trip_and_plain_payloads_pass() -> None:
    codec = EncryptionCodec(KEYS)
    sealed = await codec.encode([_payload(GOAL)])
    assert GOAL.encode() not in sealed[0].SerializeToString()
    assert await codec.decode(sealed) == [_payload(GOAL)]
    assert await codec.decode([_payload("old, plain")]) == [_payload("old, plain")]


async def test_tampered_or_relabelled_payloads_are_refused() -> None:
    ring = KEYS.with_new_key("other")
    codec = EncryptionCodec(ring)
    (sealed,) = await codec.encode([_payload(GOAL)])
    flipped = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + b"\x00")
    relabelled = Payload(
        metadata={**sealed.metadata, KEY_ID: KEYS.current_id.encode()}, data=sealed.data
    )
    for bad in (flipped, relabelled):
        with pytest.raises(UndecryptablePayload, match="fails its check"):
            await codec.decode([bad])


def test_key_ring_text_round_trip_and_refusals() -> None:
    ring = generate("a").with_new_key("b")
    assert parse_keys(ring.to_text(), "x") == ring
    assert parse_keys("# comment\n" + ",".join(ring.to_text().split()), "x") == ring
    short = base64.b64encode(b"k" * 16).decode()
    for text, why in [
        ("", "no keys"),
        ("nokey", "must be <id>"),
        (f"a:{short}", "32 bytes"),
        ("a:!!!", "not base64"),
        (ring.to_text() + ring.to_text(), "unique"),
    ]:
        with pytest.raises(KeyRingError, match=why) as caught:
            parse_keys(text, "TRAPPEBRO_PAYLOAD_KEYS")
        assert base64.b64encode(ring.keys[0][1]).decode() not in str(caught.value)


def test_no_key_is_refused_unless_plain_payloads_are_chosen() -> None:
    with pytest.raises(MissingPayloadKey, match="TRAPPEBRO_PAYLOAD_KEYS"):
        service_converter(Settings())
    assert service_converter(Settings(plaintext_payloads=True)) is pydantic_data_converter
    assert service_converter(Settings(payload_keys=KEYS)).payload_codec is not None


def test_the_fixtures_encrypt() -> None:
    # Every other workflow test runs with the codec too: the fixtures' clients carry it.
    assert isinstance(CONVERTER.payload_codec, EncryptionCodec)
