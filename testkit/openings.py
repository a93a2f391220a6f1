"""Helpers for opening tests: events as the company service sends them, and one opening's
view on the time-skipping server (state, search attributes, rows). Nothing is mocked."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from core.intake import parse_any
from core.opening.events import OpeningEvent
from core.opening.state import OpeningState
from doors.ingest import send
from testkit.builders import new_case_id
from testkit.describe import Description, describe
from testkit.harness import Harness
from testkit.samples import CPH, MUNICIPALITY
from testkit.waiting import eventually
from workflows import search_attributes as sa
from workflows.opening import OpeningWorkflow
from workflows.opening_payloads import opening_workflow_id
from workflows.payloads import Receipt


def opening_data(kind: str, day: date) -> dict[str, Any]:
    """Plausible, valid `data` for an opening event of `kind` that occurs on `day`."""
    table: dict[str, dict[str, Any]] = {
        "opening_registered": {
            "kind": "wage_subsidy",
            "employer": "Nordhavn Forsikring A/S",
            "title": "Kontorassistent",
            "disco_code": "4110",
            "hours_per_week": 25,
            "municipality": MUNICIPALITY,
            "starts_on": (day + timedelta(days=28)).isoformat(),
            "candidates_by": (day + timedelta(days=14)).isoformat(),
            "requirements": ["customer_contact"],
            "consultant": "vs-09",
        },
        "opening_filled": {"filled_on": day.isoformat()},
        "opening_withdrawn": {
            "reason": "virksomheden har ansat selv",
            "withdrawn_on": day.isoformat(),
        },
    }
    return table[kind]


def opening_event(
    opening_id: str, event_id: str, kind: str, at: datetime, /, **data: Any
) -> OpeningEvent:
    local = at.astimezone(CPH).replace(microsecond=0)
    event = parse_any(
        {
            "event_id": event_id,
            "opening_id": opening_id,
            "type": kind,
            "occurred_at": local.isoformat(),
            "data": {**opening_data(kind, local.date()), **data},
        }
    )
    assert isinstance(event, OpeningEvent)
    return event


class OpeningRun:
    """One opening: send its events through the door, read its state and rows."""

    def __init__(self, harness: Harness, opening_id: str | None = None) -> None:
        self.h = harness
        self.opening_id = opening_id or new_case_id("O-2026")
        self.workflow_id = opening_workflow_id(self.opening_id)
        harness.started.append(self.workflow_id)
        self._n = 0

    async def send(self, kind: str, at: datetime | None = None, /, **data: Any) -> Receipt:
        self._n += 1
        moment = at or await self.h.now()
        event = opening_event(self.opening_id, f"{self.opening_id}-{self._n}", kind, moment, **data)
        return await send(self.h.client, self.h.queue, event)

    async def accept(self, kind: str, at: datetime | None = None, /, **data: Any) -> Receipt:
        receipt = await self.send(kind, at, **data)
        assert receipt.outcome == "accepted", (kind, receipt)
        return receipt

    async def state(self) -> OpeningState:
        handle = self.h.client.get_workflow_handle(self.workflow_id)
        state: OpeningState = await handle.query(OpeningWorkflow.state)
        return state

    async def details(self) -> str:
        handle = self.h.client.get_workflow_handle(self.workflow_id)
        details: str = await handle.query(OpeningWorkflow.details)
        return details

    async def wait_for(self, ok: Any, what: str = "the opening state") -> OpeningState:
        """Wait until the state satisfies `ok`, and its projection row and search attributes
        have caught up with it."""

        async def probe() -> tuple[OpeningState, dict[str, Any] | None, Description]:
            return await self.state(), await self.projection(), await self.describe()

        def ready(value: tuple[OpeningState, dict[str, Any] | None, Description]) -> bool:
            state, row, desc = value
            attrs = desc.typed_search_attributes
            synced = (
                row is not None
                and row["version"] == state.version
                and attrs.get(sa.OPENING_STATUS) == state.status
                and attrs.get(sa.ESCALATION_LEVEL) == state.escalation_level
            )
            return bool(ok(state)) and (synced or not state.registered)

        state, _, _ = await eventually(probe, ready, what)
        return state

    async def describe(self) -> Description:
        return await describe(self.h.client, self.workflow_id)

    async def _fetch(self, sql: str) -> list[dict[str, Any]]:
        async with self.h.pool.acquire() as conn:
            rows = await conn.fetch(sql, self.opening_id)
        return [dict(r) for r in rows]

    async def projection(self) -> dict[str, Any] | None:
        rows = await self._fetch("SELECT * FROM opening_projection WHERE opening_id = $1")
        return rows[0] if rows else None

    async def outbox(self) -> list[dict[str, Any]]:
        return await self._fetch(
            "SELECT * FROM outbox WHERE opening_id = $1 ORDER BY created_at, message_key"
        )

    async def suggestions(self) -> list[dict[str, Any]]:
        return await self._fetch(
            "SELECT * FROM match_suggestion WHERE opening_id = $1 ORDER BY score DESC, case_id"
        )

    async def logged(self) -> list[dict[str, Any]]:
        return await self._fetch("SELECT * FROM opening_event WHERE opening_id = $1 ORDER BY seq")


OPENING = "O-2026-0042"
AT = "2026-11-23T09:30:00+01:00"


def opening_raw(kind: str, at: str = AT, event_id: str = "o-1", /, **data: Any) -> dict[str, Any]:
    moment = datetime.fromisoformat(at)
    return {
        "event_id": event_id,
        "opening_id": OPENING,
        "type": kind,
        "occurred_at": at,
        "data": {**opening_data(kind, moment.date()), **data},
    }


def opening(kind: str, at: str = AT, event_id: str = "o-1", /, **data: Any) -> OpeningEvent:
    event = parse_any(opening_raw(kind, at, event_id, **data))
    assert isinstance(event, OpeningEvent)
    return event
