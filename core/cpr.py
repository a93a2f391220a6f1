"""Detect CPR-like numbers (Danish personal identity numbers) anywhere in a payload.

A CPR number is DDMMYY followed by four digits. People and attackers write it in many ways:
``010203-1234``, ``010203.1234``, ``01.02.03-1234``, ``01 02 03 12 34``, with an en dash, a
non-breaking space, a zero-width space inside, fullwidth or Arabic-Indic digits. One
detector serves intake, ids and log redaction (docs/citizens-data.md):

- every character is read after NFKC normalisation; a digit of any script counts as its
  value; format and combining characters (zero-width space, soft hyphen, joiners) are ignored;
- digits form groups; groups separated only by characters that are neither letters nor
  digits (any run of punctuation, dashes, spaces, tabs, newlines) form a chain;
- a CPR-like number is a run of whole groups of a chain holding exactly ten digits, whose
  first six are a real date (DDMMYY), and whose date part is written as one group of six, as
  three groups of two, or lies inside one ten-digit group; a colon inside the date part or
  inside the serial makes it a time (``08:01:00+00:00``), not a number.

The shape rule keeps ordinary text clear: ``02-12-2026 10:30`` (a four-digit year) and
``2011-12-02 10:30`` (an ISO date) are dates, ``+45 12 34 56 78`` a phone number
(tests/data/cpr_clear.txt is the corpus of what must not be flagged). Ids are stricter
(`strict=True`, core/ids.py): letters separate too and any split of the ten digits counts.
"""

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

_IGNORED = frozenset({"Cf", "Mn", "Me"})
_DIGIT, _SEPARATOR, _LETTER = "d", "s", "l"


@dataclass(frozen=True)
class _Group:
    digits: str
    start: int  # index in the original text of the first digit
    end: int  # index just past the last digit
    gap: str = ""  # what separates it from the group before


@lru_cache(maxsize=4096)
def _classes(char: str) -> tuple[tuple[str, str], ...]:
    """What one original character reads as: (class, digit) pairs, after NFKC."""
    out = []
    for part in unicodedata.normalize("NFKC", char):
        value = unicodedata.digit(part, None)
        if value is not None:
            out.append((_DIGIT, str(value)))
        elif unicodedata.category(part) in _IGNORED:
            continue
        elif part.isalnum():
            out.append((_LETTER, ""))
        else:
            out.append((_SEPARATOR, ""))
    return tuple(out)


# The same rule as a regular expression, for ASCII text (most log lines): each match is a
# candidate window (overlapping ones too, by the lookahead); its date is checked after.
_SEP, _INNER = r"[^A-Za-z0-9]+", r"[^A-Za-z0-9:]+"
_DATE = rf"[0-9]{{6}}|[0-9]{{2}}{_INNER}[0-9]{{2}}{_INNER}[0-9]{{2}}"
_WINDOW = rf"(?<![0-9])(?:[0-9]{{10}}|(?:{_DATE}){_SEP}[0-9](?:(?:{_INNER})?[0-9]){{3}})(?![0-9])"
_ASCII_WINDOW = re.compile(rf"(?=({_WINDOW}))")
_NOT_DIGIT = re.compile(r"[^0-9]")


def _ascii_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _ASCII_WINDOW.finditer(text):
        if _is_date(_NOT_DIGIT.sub("", match.group(1))[:6]):
            yield match.start(1), match.end(1)


def _chains(text: str, strict: bool) -> Iterator[list[_Group]]:
    """Digit groups of `text`, chained while only separators (or, strict, anything) lie
    between them."""
    chain: list[_Group] = []
    digits, start, end, gap = "", -1, -1, ""
    for index, char in enumerate(text):
        if char.isascii() and not char.isdigit():
            kind = _LETTER if char.isalpha() else _SEPARATOR
            parts: tuple[tuple[str, str], ...] = ((kind, ""),)
        else:
            parts = _classes(char)
        for kind, digit in parts:
            if kind == _DIGIT:
                if not digits:
                    start = index
                digits, end = digits + digit, index + 1
                continue
            if digits:
                chain.append(_Group(digits, start, end, gap))
                digits, gap = "", ""
            gap += char
            if kind == _LETTER and not strict and chain:
                yield chain
                chain = []
    if digits:
        chain.append(_Group(digits, start, end, gap))
    if chain:
        yield chain


def _is_date(six: str) -> bool:
    day, month, year = int(six[:2]), int(six[2:4]), int(six[4:])
    # Any century will do: 29 February needs a leap year, 2000 is one.
    try:
        date(2000 if year % 4 == 0 else 2001, month, day)
    except ValueError:
        return False
    return True


def _date_shape(groups: list[_Group]) -> bool:
    if len(groups[0].digits) == 10:
        return True
    total, date_part = 0, []
    for group in groups:
        if total >= 6:
            break
        date_part.append(group)
        total += len(group.digits)
    if total != 6 or [len(g.digits) for g in date_part] not in ([6], [2, 2, 2]):
        return False
    # A colon inside the date or inside the serial makes a time: 08:01:00+00:00.
    inner = [g.gap for g in groups[1:] if g is not groups[len(date_part)]]
    return not any(":" in gap for gap in inner)


def _spans(text: str, strict: bool) -> Iterator[tuple[int, int]]:
    if not strict and text.isascii():
        yield from _ascii_spans(text)
        return
    for chain in _chains(text, strict):
        for first in range(len(chain)):
            total = 0
            for last in range(first, len(chain)):
                total += len(chain[last].digits)
                if total >= 10:
                    break
            window = chain[first : last + 1]
            digits = "".join(g.digits for g in window)
            if strict and len(digits) > 10 and first == last:
                # One long run of digits in an id: any ten of them may be the number.
                for offset in range(len(digits) - 9):
                    if _is_date(digits[offset : offset + 6]):
                        yield window[0].start, window[-1].end
                        break
                continue
            if total != 10 or not _is_date(digits[:6]):
                continue
            if strict or _date_shape(window):
                yield window[0].start, window[-1].end


_ASCII_DIGITS = re.compile(r"[0-9]+")
TEN_DIGITS = re.compile(r"[0-9](?:[^0-9]*[0-9]){9}")


def _too_few_digits(text: str) -> bool:
    # ASCII reads as itself under NFKC, so fewer than ten 0-9 digits cannot make a number.
    return text.isascii() and TEN_DIGITS.search(text) is None


def _strict_ascii(text: str) -> bool:
    """`_spans(text, strict=True)` for ASCII text: every non-digit separates groups and
    nothing breaks the chain, so the groups are the runs of 0-9 (the hot path of ids)."""
    groups = _ASCII_DIGITS.findall(text)
    for first, run in enumerate(groups):
        if len(run) > 10:
            if any(_is_date(run[at : at + 6]) for at in range(len(run) - 9)):
                return True
            continue
        digits = run
        for more in groups[first + 1 :]:
            if len(digits) >= 10:
                break
            digits += more
        if len(digits) == 10 and _is_date(digits[:6]):
            return True
    return False


def contains_cpr(text: str, strict: bool = False) -> bool:
    if _too_few_digits(text):
        return False
    if strict and text.isascii():
        return _strict_ascii(text)
    return next(_spans(text, strict), None) is not None


def _int_holds_cpr(value: int) -> bool:
    # A CPR sent as a bare number loses its leading zero: 0101701234 -> 101701234.
    digits = str(value)
    return len(digits) in (9, 10) and contains_cpr(digits.zfill(10))


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
    elif isinstance(value, int) and not isinstance(value, bool) and _int_holds_cpr(value):
        yield path or "<root>"


def mask_int(value: int, mask: str = "[cpr]") -> int | str:
    return mask if _int_holds_cpr(value) else value


def mask_cpr(text: str, mask: str = "[cpr]") -> str:
    """``text`` with every CPR-like number (from its first digit to its last) replaced."""
    merged: list[list[int]] = []
    for start, end in sorted(_spans(text, strict=False)):
        if merged and start <= merged[-1][1]:  # overlapping windows of one chain
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        out.append(text[at:start] + mask)
        at = end
    return "".join(out) + text[at:]
