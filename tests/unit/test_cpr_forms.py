"""Finding 1 and 2 of the attack: CPR numbers written any way are refused at intake, in
every id, and masked in logs; ordinary text is not flagged; municipality is from a list."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from core.case.events import Event
from core.cpr import contains_cpr, mask_cpr
from core.intake import parse_any
from core.kernel.refusal import Refused
from core.places import municipality_reason
from infrastructure.served import served_municipalities
from observability.redact import redact
from testkit.cpr_forms import SEPARATORS, cpr_digits, every_form, id_forms
from testkit.paths import TESTS
from testkit.samples import raw

CLEAR = TESTS / "data" / "cpr_clear.txt"
DIGITS = "0102031234"
# The writings the attack got through (finding 1), each must now be caught.
FOUND = [
    "010203.1234",
    "010203_1234",
    "010203/1234",
    "010203:1234",
    "010203\u20131234",
    "010203\u20111234",
    "010203\u00a01234",
    "010203\t1234",
    "010203\n1234",
    "010203  1234",
    "010203 - 1234",
    "010203\uff0d1234",
    "01.02.03-1234",
    "01-02-03-1234",
    "01 02 03 12 34",
    "0102\u200b031234",
]


def clear_lines() -> list[str]:
    lines = CLEAR.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def refusals(obj: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(Refused) as refused:
        parse_any(obj)
    return [(r.field, r.reason) for r in refused.value.refusals]


@pytest.mark.parametrize("text", FOUND)
def test_the_forms_that_got_through_are_caught(text: str) -> None:
    assert contains_cpr(f"borger {text} ringede")
    assert "[cpr]" in mask_cpr(f"borger {text} ringede")


def test_every_separator_class_layout_and_digit_script_is_caught() -> None:
    rng = random.Random(13)
    for digits in [DIGITS, *(cpr_digits(rng) for _ in range(50))]:
        missed = [name for name, text in every_form(digits).items() if not contains_cpr(text)]
        assert missed == [], digits
    assert len(SEPARATORS) > 20


def test_masking_removes_every_digit_of_the_number() -> None:
    for name, text in every_form(DIGITS).items():
        masked = mask_cpr(f"a {text} b")
        assert masked.startswith("a [cpr]") and masked.endswith(" b"), name


def test_ordinary_text_is_not_flagged() -> None:
    lines = clear_lines()
    assert len(lines) >= 25
    assert [line for line in lines if contains_cpr(line)] == []
    assert [line for line in lines if mask_cpr(line) != line] == []


@pytest.mark.parametrize("text", FOUND[:4] + FOUND[12:])
@pytest.mark.parametrize("place", ["data.reason", "event_id", "case_id", "data.owner"])
def test_intake_refuses_the_number_in_any_field(text: str, place: str) -> None:
    obj = raw("owner_changed", owner="sb-1")
    if place == "data.reason":
        obj = raw("deadline_moved", new_deadline="2026-12-30", reason=f"borger {text}")
    elif place == "data.owner":
        obj["data"]["owner"] = f"sb_{text}"
    else:
        obj[place] = f"K_{text}" if place == "case_id" else text
    found = refusals(obj)
    assert any(field == place and "CPR-like" in reason for field, reason in found), found
    assert not any(text in reason for _, reason in found)


@pytest.mark.parametrize("bad_id", id_forms(DIGITS))
@pytest.mark.parametrize("field", ["case_id", "event_id", "owner", "team"])
def test_no_id_can_hold_a_cpr_number(bad_id: str, field: str) -> None:
    obj = raw("owner_changed", owner="sb-1", team="sd-1")
    if field in ("owner", "team"):
        obj["data"][field] = bad_id
    else:
        obj[field] = bad_id
    path = field if field in ("case_id", "event_id") else f"data.{field}"
    found = refusals(obj)
    assert [f for f, r in found if "CPR-like" in r] == [path], found


@pytest.mark.parametrize(
    "good_id", ["K-2026-000101", "K-2026-004711", "O-2026-0042", "sb-07", "K-2026-000101-12"]
)
def test_ordinary_ids_still_pass(good_id: str) -> None:
    assert isinstance(parse_any(raw("owner_changed", case_id=good_id, owner="sb-1")), Event)


def test_log_lines_mask_every_form() -> None:
    forms = every_form(DIGITS)
    line = dict(
        redact(None, "info", {"event": "x", **{f"k{i}": v for i, v in enumerate(forms.values())}})
    )
    assert not any(contains_cpr(str(v)) for v in line.values())
    assert json.dumps(line, ensure_ascii=False).count("[cpr]") == len(forms)


def test_a_municipality_outside_the_policy_file_is_refused_with_the_list() -> None:
    served = served_municipalities()
    assert {"Norddjurs", "Viborg", "Lyngby-Taarbæk", "København"} <= served
    obj = raw("case_opened")
    obj["data"]["municipality"] = "Borger 010203 Jensen"
    with pytest.raises(Refused) as refused:
        parse_any(obj, served)
    assert [(r.field, r.reason) for r in refused.value.refusals] == [
        ("data.municipality", municipality_reason(served))
    ]
    assert "Norddjurs" in municipality_reason(served)
    obj["data"]["municipality"] = "Norddjurs"
    assert isinstance(parse_any(obj, served), Event)


def test_an_employer_with_a_number_never_reaches_the_search_attribute() -> None:
    obj = raw(
        "match_proposed", opening_id="O-1", kind="recruitment", employer="Firma 01.02.03-1234"
    )
    assert refusals(obj) == [
        ("data.employer", "holds a CPR-like number; send no personal identity numbers")
    ]
