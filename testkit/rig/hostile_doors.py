"""The doors the hostile-input test knocks on, and what it checks afterwards
(scripts/hostile_input.py runs them)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg
from pydantic_core import PydanticSerializationError
from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.service import RPCError

from core.cpr import find_cpr
from core.intake import contract_refusals, parse_event
from core.kernel.refusal import Refused
from doors.http import too_deep
from doors.ingest import ingest
from testkit.rig.catalogue import TZ, case_opened
from testkit.rig.hostile_events import HostileBatch, Item, oracle
from testkit.rig.tasks import gather_limited
from testkit.rig.verdict import verdict
from workflows.case_payloads import (
    EVENT_SIGNAL,
    RECEIPT_QUERY,
    SUBMIT_UPDATE,
    Delivery,
    workflow_id,
)
from workflows.payloads import Receipt

BATCH = 100
BATCH_BYTES = 800_000  # under the door's 1 MiB body limit
SOLO = 200_000  # items this big go alone
TAKEN = ("accepted", "held", "duplicate")


@dataclass
class Findings:
    failures: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)
    tally: Counter[str] = field(default_factory=Counter)
    # Events sent straight to a case that were applied once their JSON types were coerced.
    coerced: set[str] = field(default_factory=set)

    def check(self, ok: bool, what: str, example: str = "") -> None:
        if not ok:
            self.failures[what] += 1
            self.examples.setdefault(what, example)

    def compare(self, door: str, item: Item, got: set[tuple[str, str]]) -> None:
        """The door's refusals of one item against intake's."""
        self.check(all(f not in ("", "?") and r not in ("", "?") for f, r in got),
                   f"{door}: a refusal without field or reason", str(got))  # fmt: skip
        if item.refusals is not None:
            same = got == set(item.refusals)
            self.check(
                same,
                f"{door}: refusals differ from intake's",
                f"{item.kind}: intake {sorted(item.refusals)}, door {sorted(got)}",
            )
            self.tally[f"{door}: refused as intake refuses"] += same
        else:
            self.tally[f"{door}: valid, refused by the case's rules" if got else
                       f"{door}: valid, accepted, held or duplicate"] += 1  # fmt: skip

    def report(self) -> int:
        figures = {**self.counts, **dict(sorted(self.tally.items()))}
        failures = [f"{what} ({n}x), e.g. {self.examples[what][:300]}"
                    for what, n in self.failures.items()]  # fmt: skip
        return verdict(figures, failures, width=52)


def _requests(batch: HostileBatch) -> list[tuple[list[Item], bytes]]:
    """Items in order: runs of JSON values as array bodies, the rest one body each."""
    out: list[tuple[list[Item], bytes]] = []
    run: list[Item] = []
    values: list[Any] = []

    def flush() -> None:
        if run:
            out.append((list(run), json.dumps(values).encode()))
            run.clear()
            values.clear()

    for item in batch.items:
        raw = item.raw if isinstance(item.raw, bytes) else item.raw.encode()
        value = _json(raw)
        if value is _NOT_JSON or len(raw) > SOLO or too_deep([value]):
            flush()
            out.append(([item], raw))
            continue
        if len(run) == BATCH or sum(len(json.dumps(v)) for v in values) + len(raw) > BATCH_BYTES:
            flush()
        run.append(item)
        values.append(value)
    flush()
    return out


_NOT_JSON = object()


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return _NOT_JSON


async def http_door(url: str, token: str, batch: HostileBatch, out: Findings) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    statuses: Counter[int] = Counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as http:

        async def post(items: list[Item], body: bytes) -> None:
            async with http.post(f"{url}/events", data=body, headers=headers) as answer:
                status, text = answer.status, await answer.text()
            statuses[status] += 1
            _judge(items, status, text, out)

        await gather_limited(4, [post(items, body) for items, body in _requests(batch)])
    out.counts["HTTP door: answers by status"] = ", ".join(
        f"{s} x{n}" for s, n in sorted(statuses.items())
    )


def _judge(items: list[Item], status: int, text: str, out: Findings) -> None:
    out.check(status < 500, "HTTP door: a 5xx answer", f"{status} {text[:200]}")
    try:
        body = json.loads(text)
    except ValueError:
        body = {}
    if status in (200, 422) and isinstance(body.get("refused"), list):
        out.check(not body.get("unconfirmed"), "HTTP door: events not confirmed", text[:200])
        got: dict[int, set[tuple[str, str]]] = {}
        for refusal in body["refused"]:
            got.setdefault(refusal["index"], set()).add((refusal["field"], refusal["reason"]))
        for index, item in enumerate(items):
            out.compare("HTTP door", item, got.get(index, set()))
        return
    # Refused whole (400, 413, ...): allowed only when intake refuses each item, with a reason.
    out.check(status in (400, 413) and bool(body.get("error")),
              "HTTP door: an answer that is neither a report nor a reasoned refusal",
              f"{status} {text[:200]}")  # fmt: skip
    for item in items:
        out.check(item.refusals is not None, "HTTP door: refused whole what intake accepts",
                  f"{status} {text[:200]}")  # fmt: skip
        out.tally["HTTP door: refused whole (400/413) with a reason"] += 1


async def direct(client: Client, queue: str, items: list[Item], out: Findings) -> None:
    """Each hostile object as a `submit` update and as an `event` signal to one running case,
    as anyone with access to Temporal could send them, skipping every door."""
    case_id = "D-hostile-direct"
    report = await ingest(client, queue, [case_opened(case_id, 1, "Viborg", datetime.now(UTC))])
    out.check(report.accepted == 1, "direct: the target case did not open", str(report))
    handle = client.get_workflow_handle(workflow_id(case_id))
    sent: list[tuple[str, dict[str, Any]]] = []

    async def one(number: int, item: Item) -> None:
        obj = json.loads(item.raw)
        obj.update(case_id=case_id, event_id=f"direct-{number:05d}")
        if oracle(obj) is None:  # the mutation was in the ids just replaced
            return
        try:
            receipt = await handle.execute_update(
                SUBMIT_UPDATE, {"event": obj, "delivery_id": f"u-{number}"}, result_type=Receipt
            )
            _taken(out, "submit", receipt, obj, item.kind)
        except (WorkflowUpdateFailedError, RPCError):
            out.tally["submit: rejected by the workflow"] += 1
        except PydanticSerializationError:  # nested too deep for the client to send at all
            out.tally["submit/signal: too deep for the client to send"] += 1
            return
        try:
            await handle.signal(EVENT_SIGNAL, {"event": obj, "delivery_id": f"s-{number}"})
        except RPCError as error:  # the case closed: an event intake refuses closed it
            out.check(False, "signal: the case no longer takes messages", str(error))
            return
        sent.append((f"s-{number}", obj))

    await gather_limited(16, [one(n, item) for n, item in enumerate(items)])
    await asyncio.sleep(2)  # signals are applied by the next workflow task
    for delivery, obj in sent:
        receipt = await handle.query(RECEIPT_QUERY, delivery, result_type=Receipt)
        _taken(out, "signal", receipt, obj, delivery)
    status = (await handle.describe()).status
    out.check(status == WorkflowExecutionStatus.RUNNING, "direct: the target case stopped",
              str(status))  # fmt: skip


def _taken(out: Findings, door: str, receipt: Receipt, obj: dict[str, Any], what: str) -> None:
    """A receipt for a message intake refuses: refused, or at most applied after the
    workflow's converter coerced a JSON type (an integer for a timestamp: the known gap,
    counted, not failed, when what was applied then meets the contract)."""
    out.tally[f"{door}: receipt {receipt.outcome or 'none (dropped)'}"] += 1
    if receipt.outcome not in TAKEN:
        return
    coerced = Delivery.model_validate_json(json.dumps({"event": obj})).event
    ok = not contract_refusals(coerced)
    out.check(ok, f"{door}: accepted what intake refuses", f"{what}: {sorted(oracle(obj) or [])}")
    if ok:
        out.coerced.add(obj["event_id"])
        out.tally[f"{door}: applied after type coercion (known gap)"] += 1


async def check_database(url: str, out: Findings) -> None:
    """Every logged event passes intake again; no CPR-like number anywhere."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT case_id, event_id, type, occurred_at, data FROM case_event")
        for row in rows:
            raw = {"event_id": row["event_id"], "case_id": row["case_id"], "type": row["type"],
                   "occurred_at": row["occurred_at"].astimezone(TZ).isoformat(),
                   "data": json.loads(row["data"])}  # fmt: skip
            try:
                parse_event(raw)
            except Refused as refusal:
                out.check(False, "case_event holds an event intake refuses", str(refusal))
            direct = row["event_id"].startswith("direct-")
            out.check(
                not direct or row["event_id"] in out.coerced,
                "case_event holds an event sent straight to a case",
                row["event_id"],
            )
        out.counts["case_event rows (each passes intake again)"] = len(rows)
        for table in ("case_event", "case_projection", "outbox", "refused_event"):
            found = 0
            for (text,) in await conn.fetch(f"SELECT row_to_json(t)::text FROM {table} t"):
                values = json.loads(text)
                values.pop("delivery", None)  # a random hex id, not data from the case system
                found += bool(list(find_cpr(values)))
            out.check(not found, f"{table}: rows with a CPR-like number", str(found))
    finally:
        await conn.close()


# Causes of a failed workflow task that are Temporal's own concurrency control, not a fault
# of the workflow: new events (a signal, an update) arrived while the worker completed the
# task, so the server refuses the completion and schedules a new task at once.
BENIGN = ("WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND",)


async def check_histories(client: Client, out: Findings) -> None:
    ids = [w.id async for w in client.list_workflows()]
    failed = (await client.count_workflows('ExecutionStatus="Failed"')).count

    async def task_failures(wid: str) -> Counter[str]:
        causes = Counter[str]()
        async for event in client.get_workflow_handle(wid).fetch_history_events():
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                cause = event.workflow_task_failed_event_attributes.cause
                causes[WorkflowTaskFailedCause.Name(cause)] += 1
        return causes

    causes = sum(await gather_limited(16, [task_failures(w) for w in ids]), Counter[str]())
    faults = sum(n for cause, n in causes.items() if cause not in BENIGN)
    out.counts["workflows (histories scanned)"] = len(ids)
    out.counts["workflows failed, workflow tasks failed"] = f"{failed}, {faults}"
    if causes:
        out.counts["workflow task failures by cause"] = ", ".join(
            f"{c.removeprefix('WORKFLOW_TASK_FAILED_CAUSE_')} {n}" for c, n in causes.items()
        )
    out.check(failed == 0, "workflows failed", str(failed))
    out.check(faults == 0, "workflow tasks failed", str(dict(causes)))
