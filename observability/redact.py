"""Keep citizens' data out of the logs: a structlog processor every log line passes.

It replaces every CPR-like number in any string of the line (the message, values, nested
values, a formatted traceback) and blanks every field marked personal: a value wrapped in
`Personal`, or a key named like a citizen field of the event contract. Installed by
`observability.logs.configure_logging`, so it covers the worker, the doors and the dev stack, and
the records of libraries (temporalio, asyncpg, aiohttp) too.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from core.cpr import mask_cpr, mask_int

PERSONAL = "[personal]"
SECRET = "[secret]"
# Credentials are no citizen data, but a line quoting a request's headers must not carry
# them either (aiohttp quotes a malformed header line whole): the scheme stays, the rest goes.
_CREDENTIAL = re.compile(r"(?i)\b(bearer|basic)\s+[^\s'\",;]+")
SECRET_FIELDS = frozenset({"authorization", "token", "signature", "x-trappebro-signature"})
# Free-text citizen fields of the event contract and the case state: never logged.
PERSONAL_FIELDS = frozenset(
    {
        "job_goals",
        "restrictions",
        "reason",
        "notes",
        "note",
        "employer",
        "work_function",
        "title",
        "data",
        "payload",
        "payloads",
    }
)


class Personal:
    """Marks a value as personal: ``log.info("goal set", goal=Personal(text))``."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __repr__(self) -> str:
        return PERSONAL


def _clean(value: Any, depth: int = 0) -> Any:
    if isinstance(value, Personal):
        return PERSONAL
    if isinstance(value, str):
        return _CREDENTIAL.sub(lambda m: f"{m.group(1)} {SECRET}", mask_cpr(value))
    if depth > 8:  # a cycle or a monster: say so rather than recurse forever
        return "[nested]"
    if isinstance(value, dict):
        return {
            mask_cpr(str(k)): PERSONAL if k in PERSONAL_FIELDS else _clean(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(v, depth + 1) for v in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return mask_int(value)
    if isinstance(value, float) or value is None or isinstance(value, bool):
        return value
    return _clean(str(value), depth)


def redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: the line with CPR-like numbers and personal fields removed."""
    for key in list(event_dict):
        value = event_dict[key]
        if key.lower() in SECRET_FIELDS:
            event_dict[key] = SECRET
        else:
            event_dict[key] = PERSONAL if key in PERSONAL_FIELDS else _clean(value)
    return event_dict
