"""The hot path of intake: an event the contract accepts, read in one walk and one
validation. Whatever this path doubts goes the long way (core/intake.py), which names every
problem; so both accept the same events, and the same values, and refuse in one voice."""

import json
import re
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError, create_model

from core.case.events import DATA_MODELS, Event, RawEvent
from core.cpr import contains_cpr
from core.opening.events import OPENING_DATA_MODELS, OpeningEvent, RawOpeningEvent
from core.storable import MAX_CHARS, SUSPECT

_STRING = re.compile(r'"([^"]*)"')  # each string of a dump without a backslash, in order
_NINE_DIGITS = re.compile(r"[0-9]{9}")
_TEN_DIGITS = re.compile(r"[0-9](?:[^0-9]*[0-9]){9}")


def plain_dump(obj: dict[str, Any], max_depth: int) -> str | None:
    """`obj` as JSON if it is plainly clean: nesting within `max_depth`, no text the store
    cannot hold, no CPR-like number. None if in doubt (the long way then says why).

    Read off the dump in C: without a backslash every string stands in it verbatim, so a
    refused character, a bracket or a long run of digits in a string shows in the dump."""
    try:
        dump = json.dumps(obj, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    if "\\" in dump or len(dump) > MAX_CHARS or SUSPECT.search(dump):
        return None
    if dump.count("{") + dump.count("[") >= max_depth:  # brackets bound the nesting
        return None
    if _NINE_DIGITS.search(_STRING.sub("", dump)):  # an int that may be a CPR number
        return None
    for text in _STRING.findall(dump):
        if (not text.isascii() or _TEN_DIGITS.search(text)) and contains_cpr(text):
            return None
    return dump


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
    try:
        read = _whole(kind).model_validate_json(dump, strict=True)
    except ValidationError:
        return None
    # Already valid: validating again, as Event.model_validate would, changes nothing.
    target = OpeningEvent if kind in OPENING_DATA_MODELS else Event
    return target.model_construct(**read.__dict__)
