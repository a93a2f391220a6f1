"""Openings in the crash and chaos tests: every opening the batch's cases propose to is
registered before the batch, and once the cases have settled each opening must hold every
proposal, decline and placement its case accepted exactly once, as the pure core says
(core.opening.process.decide_opening over the case events the case core logged).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from temporalio.client import Client

from core.case.events import Event
from core.intake import parse_event
from core.opening.events import OpeningEvent
from core.opening.process import decide_opening
from core.opening.state import CASE_EVENTS_FOR_OPENINGS, OpeningState
from core.policy import PolicyBook
from testkit.rig.catalogue import MUNICIPALITIES
from testkit.rig.expectation import Batch, Expectation
from testkit.rig.tasks import until
from workflows.opening_payloads import opening_workflow_id

STALE = "O-gone"  # the generator's opening that Trappebro never held
Summary = tuple[str, int, tuple[str, ...], str | None, frozenset[str]]


def _named(batch: Batch) -> tuple[dict[str, list[Event]], dict[str, str]]:
    """The case events per opening they name, in the batch's order; each case's municipality."""
    per_opening: dict[str, list[Event]] = {}
    municipality: dict[str, str] = {}
    for line in batch.lines:
        event = parse_event(line)
        if event.type == "case_opened":
            municipality.setdefault(event.case_id, getattr(event.data, "municipality", ""))
        opening_id = getattr(event.data, "opening_id", None)
        if event.type in CASE_EVENTS_FOR_OPENINGS and opening_id and opening_id != STALE:
            per_opening.setdefault(opening_id, []).append(event)
    return per_opening, municipality


def opening_lines(batch: Batch) -> list[str]:
    """One `opening_registered` per opening the batch names, dated before its first event."""
    per_opening, municipality = _named(batch)
    lines = []
    for opening_id, events in per_opening.items():
        at: datetime = min(e.occurred_at for e in events) - timedelta(days=1)
        registered = {
            "event_id": f"reg-{opening_id}", "opening_id": opening_id,
            "type": "opening_registered", "occurred_at": at.isoformat(),
            "data": {
                "kind": "wage_subsidy", "employer": "Nordhavn Forsikring A/S",
                "title": "Kontorassistent", "disco_code": "4110", "hours_per_week": 25,
                "municipality": municipality.get(events[0].case_id, MUNICIPALITIES[0]),
                "starts_on": (at + timedelta(days=28)).date().isoformat(),
                "candidates_by": (at + timedelta(days=14)).date().isoformat(),
            },
        }  # fmt: skip
        lines.append(json.dumps(registered))
    return lines


def expected_openings(
    batch: Batch, registrations: list[str], expected: Expectation, book: PolicyBook
) -> dict[str, Summary]:
    """Each opening as the pure core leaves it after the case events the cases accepted."""
    per_opening, _ = _named(batch)
    out: dict[str, Summary] = {}
    for line in registrations:
        registered = OpeningEvent.model_validate_json(line)
        policy = book.for_municipality(getattr(registered.data, "municipality", ""))
        state = decide_opening(
            OpeningState(opening_id=registered.opening_id), registered, registered.occurred_at,
            policy,
        ).state  # fmt: skip
        for event in per_opening[registered.opening_id]:
            if (event.case_id, event.event_id) in expected.logged:
                state = decide_opening(state, event, event.occurred_at).state
        out[registered.opening_id] = summary(state)
    return out


def summary(state: OpeningState) -> Summary:
    """What must match: status, events applied, proposals, the placement, case events seen."""
    cases = frozenset(k for k in state.seen if k.startswith("case/"))
    return state.status, state.seq, state.proposals, state.placed_case_id, cases


async def check_openings(
    client: Client, expected: dict[str, Summary], limit: float
) -> tuple[dict[str, tuple[Summary, Summary]], int]:
    """The openings that differ from the core (none when every hand-off arrived once),
    waiting up to `limit` seconds for the last signals; and the case events they hold."""
    differ: dict[str, tuple[Summary, Summary]] = {}

    async def one(opening_id: str) -> Summary:
        handle = client.get_workflow_handle(opening_workflow_id(opening_id))
        state: OpeningState = await handle.query("state", result_type=OpeningState)
        return summary(state)

    async def all_match() -> bool:
        differ.clear()
        for opening_id, want in expected.items():
            got = await one(opening_id)
            if got != want:
                differ[opening_id] = (got, want)
        return not differ

    await until(all_match, limit, 2.0)
    held = sum(len(s[4]) for s in expected.values())
    return differ, held
