"""Detect CPR-like numbers (Danish personal identity numbers) anywhere in a payload.

A CPR number is DDMMYY followed by four digits, often written DDMMYY-XXXX. We refuse any
such shape whose first six digits form a real calendar date: a false alarm costs the case
system a resend, a miss puts a citizen's identity in clear in every log and history.
"""

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

_CPR_SHAPE = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})[- ]?\d{4}(?!\d)")


def _is_date(day: str, month: str, year: str) -> bool:
    # Any century will do: 29 February needs a leap year, 2000 is one.
    try:
        date(2000 + int(year) if int(year) % 4 == 0 else 2001, int(month), int(day))
    except ValueError:
        return False
    return True


def contains_cpr(text: str) -> bool:
    return any(_is_date(*m.groups()) for m in _CPR_SHAPE.finditer(text))


def find_cpr(value: Any, path: str = "") -> Iterator[str]:
    """Yield the dotted path of every string (or key) in `value` that holds a CPR-like number;
    a key that holds one is named `<key>` in the path."""
    if isinstance(value, str):
        if contains_cpr(value):
            yield path or "<root>"
    elif isinstance(value, dict):
        for key, item in value.items():
            # A path names where the number is; it must never carry the number itself.
            flagged = contains_cpr(str(key))
            name = "<key>" if flagged else str(key)
            child = f"{path}.{name}" if path else name
            if flagged:
                yield child
            yield from find_cpr(item, child)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from find_cpr(item, f"{path}[{index}]")
    elif isinstance(value, int) and not isinstance(value, bool):
        # A CPR sent as a bare number loses its leading zero: 0101701234 -> 101701234.
        digits = str(value)
        if contains_cpr(digits.zfill(10)) and len(digits) >= 9:
            yield path or "<root>"


def mask_cpr(text: str, mask: str = "[cpr]") -> str:
    """``text`` with every CPR-like number replaced by ``mask``."""
    return _CPR_SHAPE.sub(lambda m: mask if _is_date(*m.groups()) else m.group(0), text)
