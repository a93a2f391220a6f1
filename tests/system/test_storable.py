"""Intake refuses the text the store cannot hold (core/storable.py): checked against the real
PostgreSQL's column types, and for every string field of every event type of the contract,
found from the event models themselves."""

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import asyncpg
import pytest
from pydantic import BaseModel

from core.case.events import DATA_MODELS, JobGoal
from core.intake import parse_any
from core.kernel.refusal import Refused
from core.opening.events import OPENING_DATA_MODELS
from core.storable import MAX_CHARS, text_problem
from testkit.openings import opening_data
from testkit.samples import raw, valid_data

DAY = date(2026, 11, 23)
# Every control character, both ends of the surrogates, and text a caseworker writes.
SAMPLES = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))] + [
    "\ud800", "\udbff", "\udc00", "\udfff", "æøå ÆØÅ", "🙂", "\ufffd", "\ufeff", "\u2028",
    "x" * MAX_CHARS,
]  # fmt: skip
_TEXTUAL = ("text", "character varying", "character", "jsonb", "json")


async def _columns(url: str) -> list[tuple[str, str, str, int | None]]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT table_name, column_name, data_type, character_maximum_length "
            "FROM information_schema.columns c JOIN information_schema.tables t "
            "USING (table_schema, table_name) WHERE table_schema = 'public' "
            "AND t.table_type = 'BASE TABLE' AND data_type = ANY($1::text[])",
            list(_TEXTUAL),
        )
    finally:
        await conn.close()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


async def _stores(conn: asyncpg.Connection, data_type: str, text: str) -> bool:
    """Whether a column of `data_type` takes `text` (in JSON for json types)."""
    value = json.dumps({"v": text}) if data_type.startswith("json") else text
    try:
        await conn.fetchval(f"SELECT $1::text::{data_type}", value)
    except (asyncpg.DataError, UnicodeEncodeError):
        return False
    return True


async def test_what_a_column_of_the_store_refuses_intake_refuses_and_what_it_takes_fits(
    clean_db: str,
) -> None:
    columns = await _columns(clean_db)
    types = {data_type for _, _, data_type, _ in columns}
    assert {"text", "jsonb"} <= types, columns
    conn = await asyncpg.connect(clean_db)
    try:
        for data_type in sorted(types):
            # The store itself refuses NUL and lone surrogates in every kind of column.
            assert not await _stores(conn, data_type, "a\u0000b"), data_type
            assert not await _stores(conn, data_type, "a\ud800b"), data_type
            for sample in SAMPLES:
                stored = await _stores(conn, data_type, f"a{sample}b")
                if not stored:
                    assert text_problem(f"a{sample}b"), (data_type, hex(ord(sample[0])))
                if text_problem(f"a{sample}"[:MAX_CHARS]) is None:
                    assert stored or len(sample) > 1, (data_type, sample[:3])
    finally:
        await conn.close()
    # The documented length fits every bounded column the service writes.
    bounded = [(t, c, n) for t, c, _, n in columns if n is not None]
    assert all(n >= MAX_CHARS for _, _, n in bounded), bounded
    assert text_problem("x" * MAX_CHARS) is None
    assert text_problem("x" * (MAX_CHARS + 1)) == f"longer than {MAX_CHARS} characters"


def _string_paths(model: type[BaseModel]) -> Iterator[tuple[str, bool]]:
    """(field, is a list) for every field of `model` that JSON carries as a string."""
    schema = model.model_json_schema()
    for name, prop in schema["properties"].items():
        options = prop.get("anyOf", [prop])
        for option in options:
            if option.get("type") == "string":
                yield name, False
            items = option.get("items", {})
            if items.get("type") == "string":
                yield name, True
            if items.get("$ref", "").endswith(f"/{JobGoal.__name__}"):
                yield from ((f"{name}[0].{sub}", False) for sub, _ in _string_paths(JobGoal))


def _with_nul(kind: str, path: str, many: bool) -> dict[str, Any]:
    opening = kind in OPENING_DATA_MODELS
    data = opening_data(kind, DAY) if opening else valid_data(kind, DAY)
    if "[0]." in path:
        head, sub = path.split("[0].")
        data[head] = [{**data[head][0], sub: "a\u0000b"}]
    else:
        data[path] = ["a\u0000b"] if many else "a\u0000b"
    event = {**raw("cv_updated"), "type": kind, "data": data}
    if opening:
        event["opening_id"] = event.pop("case_id")
    return event


def _cases() -> Iterator[tuple[str, str, bool]]:
    for kind, model in {**DATA_MODELS, **OPENING_DATA_MODELS}.items():
        for path, many in _string_paths(model):
            yield kind, path, many


CASES = list(_cases())


def test_every_event_type_has_string_fields_found() -> None:
    kinds = {kind for kind, _, _ in CASES}
    # case_resumed carries no data; every other type has at least one string (a date too).
    assert kinds == set(DATA_MODELS) - {"case_resumed"} | set(OPENING_DATA_MODELS)
    assert ("job_goal_talk_held", "job_goals[0].title", False) in CASES


@pytest.mark.parametrize(("kind", "path", "many"), CASES, ids=[f"{k}.{p}" for k, p, _ in CASES])
def test_a_nul_in_any_string_field_is_refused_naming_the_field(
    kind: str, path: str, many: bool
) -> None:
    with pytest.raises(Refused) as refused:
        parse_any(_with_nul(kind, path, many))
    field = f"data.{path}" + ("[0]" if many else "")
    assert [(r.field, "NUL" in r.reason) for r in refused.value.refusals] == [(field, True)]


@pytest.mark.parametrize("envelope", ["event_id", "case_id", "type", "occurred_at"])
def test_a_nul_in_the_envelope_is_refused_naming_the_field(envelope: str) -> None:
    event = raw("cv_updated")
    event[envelope] = f"{event[envelope]}\u0000"
    with pytest.raises(Refused) as refused:
        parse_any(event)
    assert [r.field for r in refused.value.refusals] == [envelope]
    assert "\u0000" not in str(refused.value)


def test_a_bad_key_is_named_without_its_text() -> None:
    event = raw("cv_updated")
    event["data"]["bad\u0001key"] = 1
    with pytest.raises(Refused) as refused:
        parse_any(event)
    assert [r.field for r in refused.value.refusals] == ["data.<key>"]
