"""The hot path of intake: an event the contract accepts, read in one walk and one
validation. Whatever this path doubts goes the long way (core/intake.py), which names every
problem; so both accept the same events, and the same values, and refuse in one voice."""

import json
import re
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from core.case.events import DATA_MODELS, Event, RawEvent
from core.cpr import TEN_DIGITS, contains_cpr
from core.kernel.timeline import built
from core.opening.events import OPENING_DATA_MODELS, OpeningEvent, RawOpeningEvent
from core.storable import MAX_CHARS, SUSPECT

_STRING = re.compile(r'"([^"]*)"')  # each string of a dump without a backslash, in order
_NINE_DIGITS = re.compile(r"[0-9]{9}")


def plain_dump(obj: dict[str, Any], max_depth: int, line: str | None = None) -> str | None:
    """`obj` as JSON if it is plainly clean: nesting within `max_depth`, no text the store
    cannot hold, no CPR-like number. None if in doubt (the long way then says why).
    `line`, the JSON `obj` was read from, serves as its dump if it has no backslash.

    Read off the dump in C: without a backslash every string stands in it verbatim, so a
    refused character, a bracket or a long run of digits in a string shows in the dump. A
    line may hold a key twice: its strings are then more than `obj`'s, never fewer, and
    validation, like `json.loads`, takes the last."""
    dump = line if line is not None and "\\" not in line else _dumped(obj)
    if dump is None or "\\" in dump or len(dump) > MAX_CHARS or SUSPECT.search(dump):
        return None
    if dump.count("{") + dump.count("[") >= max_depth:  # brackets bound the nesting
        return None
    if _NINE_DIGITS.search(_STRING.sub("", dump)):  # an int that may be a CPR number
        return None
    texts = _STRING.findall(dump)
    # ASCII text needs ten digits to hold a number; the filter runs in C.
    suspects = filter(TEN_DIGITS.search, texts) if dump.isascii() else texts
    return None if any(map(contains_cpr, suspects)) else dump


def _dumped(obj: dict[str, Any]) -> str | None:
    try:
        return json.dumps(obj, ensure_ascii=False)
    except (TypeError, ValueError):
        return None


@cache
def _whole(kind: str) -> type[BaseModel]:
    """The envelope with `data` typed by `kind`: one strict JSON validation for both."""
    opening = kind in OPENING_DATA_MODELS
    envelope = RawOpeningEvent if opening else RawEvent
    data = (OPENING_DATA_MODELS if opening else DATA_MODELS)[kind]
    whole: type[BaseModel] = create_model(f"Whole_{kind}", __base__=envelope, data=(data, ...))
    return whole


def whole_event(kind: str, obj: dict[str, Any], dump: str) -> Event | OpeningEvent | None:
    """The event, if envelope and data pass as the long way validates them (strict, from
    JSON); None if anything fails, for the long way to say why."""
    if "data" not in obj:
        return None
    return read_whole(kind, dump)


def read_whole(kind: str, text: str) -> Event | OpeningEvent | None:
    """Envelope and data of a `kind` event in one strict validation of its JSON `text`;
    None if it fails. Strict passes only what the lax models would read the same way."""
    if kind not in DATA_MODELS and kind not in OPENING_DATA_MODELS:
        return None
    try:
        read = _whole(kind).model_validate_json(text, strict=True)
    except ValidationError:
        return None
    # Already valid: validating again, as Event.model_validate would, changes nothing.
    if kind in OPENING_DATA_MODELS:
        return built(OpeningEvent, **read.__dict__)
    return built(Event, **read.__dict__)
