"""Turn what the case system sent into an `Event`, or refusals that name field and reason.

The same checks serve every door (the CLI today, HTTP later): a refused event changes
nothing, and its reason never echoes the refused value, which may be personal data.
"""

import json
from collections.abc import Collection
from datetime import date
from typing import Any

from pydantic import ValidationError

from core.case.events import DATA_MODELS, Event, MatchProposed, RawEvent
from core.cpr import find_cpr
from core.intake_fast import plain_dump, whole_event
from core.kernel.refusal import Refusal, Refused
from core.opening.events import (
    OPENING_DATA_MODELS,
    OpeningEvent,
    OpeningRegistered,
    RawOpeningEvent,
)
from core.places import MUNICIPALITY_FIELD, municipality_problem
from core.storable import unstorable

# Facts about the past: they cannot have happened after the event that reports them.
_NOT_AFTER_EVENT = (
    "sick_listed_on",
    "employment_ended_on",
    "held_on",
    "updated_on",
    "declared_on",
    "scored_on",
    "closed_on",
    "filled_on",
    "withdrawn_on",
    "requested_on",
)
# Dates that must lie ahead of the event.
_AFTER_EVENT = ("review_on", "new_deadline")
# Dates a case can hold. Beyond them a date means "never", and deadline arithmetic on it
# would overflow inside the workflow instead of refusing the event at the door.
_EARLIEST, _LATEST = date(2000, 1, 1), date(2099, 12, 31)
_OUT_OF_RANGE = "must lie within the years 2000-2099"


# The contract nests four levels at most (data.job_goals[0].title); far deeper is hostile.
_MAX_DEPTH = 32
_TOO_DEEP = f"nested deeper than {_MAX_DEPTH} levels"
_TOO_BIG = "not valid JSON (a number too long or nesting too deep to read)"
_CPR_REASON = "holds a CPR-like number; send no personal identity numbers"


def parse_event(raw: str | bytes | dict[str, Any]) -> Event:
    """Validate one case event; raise `Refused` naming every problem found."""
    event = parse_any(raw)
    if not isinstance(event, Event):
        raise Refused.every([Refusal(field="type", reason="an opening event, not a case event")])
    return event


def parse_any(
    raw: str | bytes | dict[str, Any], served: Collection[str] | None = None
) -> Event | OpeningEvent:
    """Validate one event of either kind (the door routes by `type`); raise `Refused`
    naming every problem found. `served`: the municipalities an event may name (core/places)."""
    obj = _load(raw)
    dump = plain_dump(obj, _MAX_DEPTH, raw if isinstance(raw, str) else None)
    if dump is None:
        _refuse_unclean(obj)
    kind = obj.get("type")
    if kind is None:
        raise Refused.every([Refusal(field="type", reason="is required")])
    known = {**DATA_MODELS, **OPENING_DATA_MODELS}
    if not isinstance(kind, str) or kind not in known:
        raise Refused.every(
            [Refusal(field="type", reason=f"unknown event type; one of {', '.join(known)}")]
        )
    event = (dump and whole_event(kind, obj, dump)) or _validate(kind, obj)
    problems = _date_problems(event) + _rule_problems(event)
    if place := municipality_problem(event, served):
        problems.append(Refusal(field=MUNICIPALITY_FIELD, reason=place))
    if problems:
        raise Refused.every(problems)
    return event


def _refuse_unclean(obj: dict[str, Any]) -> None:
    if _deeper_than(obj, _MAX_DEPTH):
        raise Refused.every([Refusal(field="<line>", reason=_TOO_DEEP)])
    if unfit := [Refusal(field=f, reason=r) for f, r in unstorable(obj)]:
        raise Refused.every(unfit)  # text the store cannot hold (core/storable.py)
    cpr_fields = list(find_cpr(obj))
    if cpr_fields:
        raise Refused.every([Refusal(field=f, reason=_CPR_REASON) for f in cpr_fields])


def contract_refusals(event: Event | OpeningEvent) -> list[Refusal]:
    """What intake refuses in an event that reached a workflow without passing a door (a
    signal or update sent straight to it): the models alone let through CPR-like numbers,
    dates out of range and facts dated after the event. Empty when the contract accepts it."""
    try:
        parse_any(event.model_dump(mode="json", exclude_none=True))
    except Refused as refused:
        return refused.refusals
    return []


def _load(raw: str | bytes | dict[str, Any]) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        reason = error.msg if isinstance(error, json.JSONDecodeError) else "not UTF-8"
        raise Refused.every(
            [Refusal(field="<line>", reason=f"not valid JSON ({reason})")]
        ) from None
    except (ValueError, RecursionError):
        # An integer of thousands of digits, or nesting deeper than the parser's stack: a
        # hostile line must be refused like any other, not crash the door that reads it.
        raise Refused.every([Refusal(field="<line>", reason=_TOO_BIG)]) from None
    if not isinstance(obj, dict):
        raise Refused.every([Refusal(field="<line>", reason="must be a JSON object")])
    return obj


def _deeper_than(value: Any, limit: int) -> bool:
    """Nested deeper than `limit`, checked without recursion (the checks after it recurse)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack += [(child, depth + 1) for child in item.values()]
        elif isinstance(item, list):
            stack += [(child, depth + 1) for child in item]
    return False


def _validate(kind: str, obj: dict[str, Any]) -> Event | OpeningEvent:
    opening = kind in OPENING_DATA_MODELS
    envelope = RawOpeningEvent if opening else RawEvent
    models = OPENING_DATA_MODELS if opening else DATA_MODELS
    refusals: list[Refusal] = []
    if "data" not in obj and kind != "case_resumed":
        refusals.append(Refusal(field="data", reason="is required"))
    try:
        # Strict like the data: in lax mode a bare number would pass as a Unix timestamp.
        envelope.model_validate_json(json.dumps(obj), strict=True)
    except ValidationError as error:
        refusals += _refusals(error)
    data = obj.get("data", {})
    try:
        model = models[kind].model_validate_json(json.dumps(data), strict=True)
    except ValidationError as error:
        if "data" in obj:
            refusals += _refusals(error, prefix="data")
    if refusals:
        raise Refused.every(list(dict.fromkeys(refusals)))
    if opening:
        return OpeningEvent.model_validate({**obj, "data": model})
    return Event.model_validate({**obj, "data": model})


def _refusals(error: ValidationError, prefix: str = "") -> list[Refusal]:
    out = []
    for item in error.errors(include_input=False, include_url=False):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in item["loc"])
        field = (prefix + path) if prefix else path.lstrip(".")
        out.append(Refusal(field=field or prefix or "<line>", reason=_reason(item)))
    return out


def _reason(item: Any) -> str:
    kind = item["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not part of the contract"
    if kind == "value_error":  # our own validators (core/ids.py) say why in plain words
        return str(item["ctx"]["error"])
    if kind == "timezone_aware":
        return "must carry a UTC offset, e.g. 2026-11-23T09:30:00+01:00"
    return str(item["msg"])


def _date_problems(event: Event | OpeningEvent) -> list[Refusal]:
    day = event.occurred_at.date()
    if not _EARLIEST <= day <= _LATEST:
        return [Refusal(field="occurred_at", reason=_OUT_OF_RANGE)]
    problems = []
    for name, value in event.data:
        if not isinstance(value, date):
            continue
        if not _EARLIEST <= value <= _LATEST:
            problems.append(Refusal(field=f"data.{name}", reason=_OUT_OF_RANGE))
        elif name in _NOT_AFTER_EVENT and value > day:
            problems.append(Refusal(field=f"data.{name}", reason="lies after occurred_at"))
        elif name in _AFTER_EVENT and value <= day:
            problems.append(Refusal(field=f"data.{name}", reason="must lie after occurred_at"))
    return problems


def _rule_problems(event: Event | OpeningEvent) -> list[Refusal]:
    data = event.data
    problems = []
    if (
        isinstance(data, MatchProposed | OpeningRegistered)
        and data.kind == "internship"
        and not data.leads_to_paid_job
    ):
        problems.append(
            Refusal(
                field="data.leads_to_paid_job",
                reason="an internship needs paid work at the end: must be true",
            )
        )
    if isinstance(data, OpeningRegistered) and data.candidates_by > data.starts_on:
        problems.append(Refusal(field="data.candidates_by", reason="lies after data.starts_on"))
    return problems
