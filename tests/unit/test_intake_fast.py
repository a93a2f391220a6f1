"""Intake's hot path (core/intake_fast.py) against the long way it skips, on valid lines and
on thousands of mutated ones (CPR numbers in every form, refused characters, deep nesting,
long digit runs, wrong types, keys given twice), as objects and as lines: both accept the
same events with the same values, and refuse with the same fields and reasons, in order."""

import json
import random
from pathlib import Path
from typing import Any

import pytest

from core import cpr, intake, storable
from core.kernel.refusal import Refused
from testkit.cpr_forms import id_forms, random_form
from testkit.samples import sample_lines

_OPENINGS = Path(__file__).resolve().parents[1] / "data" / "openings.sample.jsonl"
_CLEAR = (Path(__file__).resolve().parents[1] / "data" / "cpr_clear.txt").read_text("utf-8")
_TEXTS = [
    *[line for line in _CLEAR.splitlines() if line.strip()][:40],
    "Pædagogmedhjælper",
    "tab\there",
    "nul\x00",
    "del\x7f",
    "c1\x85",
    "lone \ud800",
    'a "quoted" \\ text',
    "x" * 2_001,
    "",
    " ",
    "2026-01-06",
    "K-2026-000101",
    "K_010203_1234",
    "٠١٠٢٠٣١٢٣٤",
]
_VALUES: list[Any] = [
    101701234,
    1017012345,
    123456789,
    7,
    True,
    None,
    1.5,
    float("nan"),
    [],
    {},
    json.loads("[" * 31 + "\"deep\"" + "]" * 31),
    json.loads("[" * 33 + "1" + "]" * 33),
]


def _outcome(raw: Any) -> Any:
    try:
        return intake.parse_any(raw)
    except Refused as refused:
        return [(r.field, r.reason) for r in refused.refusals]


def _mutated(obj: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(obj))
    target = out["data"] if isinstance(out.get("data"), dict) and rng.random() < 0.7 else out
    keys = list(target)
    choice = rng.random()
    if choice < 0.3:
        value: Any = random_form(rng)
    elif choice < 0.4:
        value = rng.choice(id_forms("0102031234"))
    elif choice < 0.75:
        value = rng.choice(_TEXTS)
    else:
        value = rng.choice(_VALUES)
    if keys and rng.random() < 0.85:
        target[rng.choice(keys)] = value
    else:
        target[rng.choice([random_form(rng), "extra", "æøå"])] = value
    if rng.random() < 0.1:
        out.pop("data", None)
    return out


def _written(obj: dict[str, Any], rng: random.Random) -> str:
    """`obj` as a line: escaped or not, spaced or not, at times a key given twice."""
    line = json.dumps(obj, ensure_ascii=rng.random() < 0.3, indent=rng.choice([None, 1]))
    if rng.random() < 0.3:
        key = rng.choice([*obj, "data", "type"])
        twice = json.dumps({key: rng.choice([random_form(rng), *_TEXTS, *_VALUES[:3]])})
        line = rng.choice([line[:-1] + ", " + twice[1:], twice[:-1] + ", " + line[1:]])
    return line


def _lines() -> list[dict[str, Any]]:
    lines = sample_lines() + _OPENINGS.read_text("utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_valid_lines_give_the_same_event(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = [_outcome(json.dumps(obj, ensure_ascii=False)) for obj in _lines()]
    monkeypatch.setattr(intake, "plain_dump", lambda *_: None)
    slow = [_outcome(json.dumps(obj, ensure_ascii=False)) for obj in _lines()]
    assert fast == slow
    assert sum(not isinstance(x, list) for x in fast) >= 10  # mostly accepted, not refused


def test_mutated_lines_give_the_same_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(16)
    lines = _lines()
    mutated = [_mutated(rng.choice(lines), rng) for _ in range(2_000)]
    cases = [*mutated, *(_written(obj, rng) for obj in mutated)]
    fast = [_outcome(obj) for obj in cases]
    monkeypatch.setattr(intake, "plain_dump", lambda *_: None)
    slow = [_outcome(obj) for obj in cases]
    for obj, one, other in zip(cases, fast, slow, strict=True):
        assert one == other, obj
    accepted = sum(not isinstance(x, list) for x in fast)
    assert 50 < accepted < 3_900  # both kinds of outcome are exercised


def test_the_suspect_characters_are_those_the_loop_refuses() -> None:
    """storable's shortcut (one search for any refused character) against the rule read
    character by character, over every code point."""
    for point in range(0x110000):
        char = chr(point)
        found = storable.SUSPECT.search(f"a{char}b") is not None
        refused = storable.character_problem(f"a{char}b") is not None
        assert found == refused, hex(point)


def test_ascii_shortcuts_of_the_cpr_detector_agree_with_its_chains() -> None:
    """`contains_cpr`'s shortcuts for ASCII (too few digits; ids by their digit runs)
    against the detector's general reading, on random digit-heavy text, both modes."""
    rng = random.Random(1203)
    alphabet = "0123456789" * 4 + "-. :/abK_x+"
    flagged = 0
    for _ in range(30_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        for strict in (True, False):
            general = next(cpr._spans(text, strict), None) is not None
            assert cpr.contains_cpr(text, strict) == general, (text, strict)
            flagged += general
    assert flagged > 500
