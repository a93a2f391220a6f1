"""What the store can hold: text PostgreSQL refuses must be refused at the door, not found
by the persist activity (where it would fail on every retry and block its case).

PostgreSQL's `text` and `jsonb` refuse NUL (U+0000, "cannot be converted to text"), and a
lone surrogate (U+D800-U+DFFF) is no UTF-8 at all: the driver cannot even send it. Other
control characters are stored, but are never part of a caseworker's text and garble the
messages and reports made from it: refused too, except tab, line feed and carriage return.
Every string (and every key) is at most `MAX_CHARS` long; the contract's own fields are
shorter still (names 120, texts 500: core/case/events.py). tests/system/test_storable.py
checks these rules against the real database's column types.

Pure: no I/O. A reason names the kind of character, never the value.
"""

import re
from collections.abc import Iterator
from typing import Any

MAX_CHARS = 2_000
_ALLOWED_CONTROLS = frozenset("\t\n\r")
_SURROGATES = range(0xD800, 0xE000)
_C1 = range(0x80, 0xA0)
# Any character `character_problem` refuses, found in C: clean text (nearly all) skips it.
SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why the store cannot (or must not) hold `text`; None if it can."""
    if len(text) > MAX_CHARS:
        return f"longer than {MAX_CHARS} characters"
    return None if SUSPECT.search(text) is None else character_problem(text)


def character_problem(text: str) -> str | None:
    """Why the store cannot hold a character of `text`, read one by one (the rule itself)."""
    for char in text:
        point = ord(char)
        if point == 0:
            return "holds a NUL character (U+0000), which the database cannot store"
        if point in _SURROGATES:
            return "holds a lone surrogate (not valid Unicode)"
        if (point < 0x20 or point == 0x7F or point in _C1) and char not in _ALLOWED_CONTROLS:
            return f"holds a control character (U+{point:04X}); only tab and line breaks"
    return None


def unstorable(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(field, reason) for every string or key in a parsed JSON value the store cannot hold;
    a key that cannot be held is named `<key>` (the path never carries the value)."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if reason := text_problem(item):
                yield where or "<root>", reason
        elif isinstance(item, dict):
            for key, child in reversed(item.items()):
                problem = text_problem(str(key))
                name = "<key>" if problem else str(key)
                named = f"{where}.{name}" if where else name
                if problem:
                    yield named, f"field name {problem}"
                stack.append((child, named))
        elif isinstance(item, list | tuple):
            stack += [(child, f"{where}[{i}]") for i, child in reversed(list(enumerate(item)))]
