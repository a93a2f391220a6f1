"""Hostile input for the doors: realistic events (bench/generate.py) and what a broken or
malicious case system could send instead. Every item is a line (str), raw bytes (not
UTF-8), or too big for a request; `oracle` says what the contract makes of it.

Kinds, each drawn at random from a valid event:
- malformed: a field dropped, an unknown field, a wrong JSON type, an impossible or
  out-of-range date, a timestamp without offset, an unknown type, a past fact after the event,
  truncated JSON, a JSON value that is not an object, bytes that are not UTF-8;
- oversized: strings of 1-200 KB, lists of thousands of items, numbers of 5,000 digits,
  nesting 40-400 levels deep; a few over the HTTP door's body limit (1 MiB);
- CPR-bearing: a CPR number (a real date and four digits) written any way
  (testkit/cpr_forms.py: every separator class, every digit script, invisible characters
  inside) in any string, a key, a list, an unknown field, or inside an id (case_id,
  event_id, opening_id, owner, team, consultant);
- duplicated: a valid event sent again, byte for byte, or with its fields reordered;
- out of order: a case's events with case_opened moved last (held until it comes).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from core.intake import parse_any
from core.kernel.refusal import Refused
from testkit.cpr_forms import cpr_digits, id_forms, random_form
from testkit.rig.generate import generate

# Share of the items that are valid events as generated (the rest are hostile).
VALID_SHARE = 0.15
HUGE = 1_100_000  # over the HTTP door's default body limit


@dataclass
class Item:
    kind: str
    raw: str | bytes
    # What the contract says: None when it accepts the event, else every (field, reason).
    refusals: frozenset[tuple[str, str]] | None = None
    event_id: str | None = None


@dataclass
class HostileBatch:
    items: list[Item]
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def refused(self) -> int:
        return sum(item.refusals is not None for item in self.items)


def oracle(raw: str | bytes | dict[str, Any]) -> frozenset[tuple[str, str]] | None:
    """core.intake is the contract: the refusals it gives, or None."""
    try:
        parse_any(raw)
    except Refused as refusal:
        return frozenset((r.field, r.reason) for r in refusal.refusals)
    return None


def cpr_number(rng: random.Random) -> str:
    return random_form(rng)


# Ids an event can carry, by where they sit.
_IDS = ("event_id", "case_id", "opening_id")
_STAFF_IDS = ("owner", "team", "consultant", "opening_id")


def _paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            out += _paths(value, (*prefix, i))
    return out


def _set(obj: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        obj = obj[step]
    obj[path[-1]] = value


def _get(obj: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        obj = obj[step]
    return obj


def _drop(obj: Any, path: tuple[Any, ...]) -> None:
    parent = _get(obj, path[:-1])
    del parent[path[-1]]


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": value}
    return value


def malformed(rng: random.Random, event: dict[str, Any]) -> str | bytes:
    line = json.dumps(event)
    path = rng.choice(_paths(event))
    choice = rng.randrange(11)
    if choice == 0:
        _drop(event, path)
    elif choice == 1:
        dicts = [()] + [p for p in _paths(event) if isinstance(_get(event, p), dict)]
        _get(event, rng.choice(dicts))["unexpected_field"] = rng.choice((1, "x", None, []))
    elif choice == 2:
        wrong: list[Any] = [1, 1.5, "text", True, None, [], {}, -1]
        _set(event, path, rng.choice(wrong))
    elif choice == 3:
        bad = ("2026-02-30", "2026-13-01", "31-12-2026", "1899-01-01", "2150-06-01", "")
        _set(event, path, rng.choice(bad))
    elif choice == 4:
        event["occurred_at"] = rng.choice(("2026-11-23T09:30:00", "2026-11-23", "now", 1764000000))
    elif choice == 5:
        event["type"] = rng.choice(("case_deleted", "CASE_OPENED", "", 7, ["case_opened"]))
    elif choice == 6:
        data = event.get("data") or {}
        for name in ("held_on", "updated_on", "declared_on", "sick_listed_on", "closed_on"):
            if name in data:
                data[name] = "2099-12-31"
    elif choice == 7:
        return line[: rng.randrange(1, max(2, len(line) - 1))]
    elif choice == 8:
        return rng.choice(("null", "[]", "[1, 2]", '"text"', "42", "true", "{", "}{", "{}"))
    elif choice == 9:
        return line.encode()[:20] + bytes(rng.randrange(128, 256) for _ in range(8))
    else:
        event["data"] = rng.choice(([1, 2], "data", 3, None))
    return json.dumps(event)


def oversized(rng: random.Random, event: dict[str, Any]) -> str:
    path = rng.choice(_paths(event))
    # Few over the body limit: each is a megabyte through every door.
    choice = rng.choices(range(5), (30, 25, 20, 22, 3))[0]
    if choice == 0:
        _set(event, path, "x" * rng.choice((501, 5_000, 100_000)))
    elif choice == 1:
        _set(event, path, ["no_heavy_lifting"] * rng.choice((11, 1_000, 20_000)))
    elif choice == 2:
        return json.dumps(event)[:-1] + ', "n": ' + "9" * 5_000 + "}"
    elif choice == 3:
        _set(event, path, _nested(rng.choice((40, 400))))
    else:
        event[f"k{rng.randrange(10**6)}"] = "y" * HUGE
    return json.dumps(event)


def cpr_bearing(rng: random.Random, event: dict[str, Any]) -> str:
    number = cpr_number(rng)
    strings = [p for p in _paths(event) if isinstance(_get(event, p), str)]
    choice = rng.randrange(6)
    ids: list[tuple[str, ...]] = [(k,) for k in _IDS if k in event]
    ids += [("data", k) for k in _STAFF_IDS if k in (event.get("data") or {})]
    if choice >= 4 and ids:
        path = rng.choice(ids)
        _set(event, path, rng.choice(id_forms(cpr_digits(rng))))
    elif choice == 0 and strings:
        path = rng.choice(strings)
        _set(event, path, f"{_get(event, path)} {number}")
    elif choice == 1:
        event.setdefault("data", {})["note"] = f"borger {number}"
    elif choice == 2:
        event["data"] = {**(event.get("data") or {}), number: True}
    else:
        event.setdefault("data", {})["restrictions"] = ["no_heavy_lifting", number]
    return json.dumps(event, ensure_ascii=rng.random() < 0.5)


def hostile_batch(events: int, seed: int) -> HostileBatch:
    """About `events` items: valid generated lines (each case's order kept, or case_opened
    moved last), and hostile copies and duplicates of them at random places between."""
    rng = random.Random(seed)
    valid = generate(max(4, int(events * VALID_SHARE / 5.5)), seed).lines
    ordered = _reordered(rng, valid)
    makers = {"malformed": malformed, "oversized": oversized, "CPR-bearing": cpr_bearing}
    weights = {"malformed": 0.55, "oversized": 0.12, "CPR-bearing": 0.23, "duplicated": 0.10}
    hostile: list[Item] = []
    while len(ordered) + len(hostile) < events:
        kind = rng.choices(list(weights), list(weights.values()))[0]
        source = rng.choice(valid)
        if kind == "duplicated":
            hostile.append(Item(kind, _duplicate(rng, source)))
        else:
            hostile.append(Item(kind, makers[kind](rng, json.loads(source))))
    batch = HostileBatch(items=_merge(rng, ordered, hostile))
    for item in batch.items:
        item.refusals = oracle(item.raw)
        batch.kinds[item.kind] += 1
        if item.refusals is None:
            item.event_id = json.loads(item.raw)["event_id"]
    return batch


def _merge(rng: random.Random, first: list[Item], second: list[Item]) -> list[Item]:
    """Both lists interleaved at random, each in its own order."""
    a, b, out = list(reversed(first)), list(reversed(second)), []
    while a or b:
        take_a = bool(a) and rng.random() < len(a) / (len(a) + len(b))
        out.append((a if take_a else b).pop())
    return out


def _duplicate(rng: random.Random, line: str) -> str:
    if rng.random() < 0.5:
        return line
    event = json.loads(line)
    return json.dumps(dict(reversed(list(event.items()))))


def _reordered(rng: random.Random, lines: list[str]) -> list[Item]:
    """The valid lines; some cases' case_opened moved after their other events (held)."""
    by_case: dict[str, list[str]] = {}
    for line in lines:
        by_case.setdefault(json.loads(line)["case_id"], []).append(line)
    out: list[Item] = []
    for case_lines in by_case.values():
        if len(case_lines) > 2 and rng.random() < 0.3:
            out += [Item("out of order", line) for line in case_lines[1:] + case_lines[:1]]
        else:
            out += [Item("valid", line) for line in case_lines]
    return out
