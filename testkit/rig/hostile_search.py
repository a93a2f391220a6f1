"""After a hostile run: look for a CPR-like number everywhere the run could have put one.

Every table of the database (every row as JSON), every workflow id and search attribute,
every payload of every history (decrypted with the run's keys, and the raw history as the
server holds it), and every line of every log the run's processes wrote. The detector is
core/cpr.py; ids and search attributes are read with its strict rule for ids.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import asyncpg
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from codec.keys import KeyRing
from codec.payloads import EncryptionCodec
from core.cpr import contains_cpr, find_cpr
from testkit.rig.hostile_doors import Findings
from testkit.rig.tasks import gather_limited

# History events that record what a client sent, before the workflow judged it.
SENT_AS_IS = ("WORKFLOW_EXECUTION_SIGNALED", "WORKFLOW_EXECUTION_UPDATE_ADMITTED",
              "WORKFLOW_EXECUTION_UPDATE_ACCEPTED")  # fmt: skip
# Ids the SDK and the server make at random (UUIDs): in one of thousands, ten digits of one
# happen to start with a date. Nothing the case system sent can reach them.
RANDOM_KEYS = frozenset({"updateId", "inboundUpdateId", "protocolInstanceId",
    "acceptedRequestMessageId", "requestId", "messageId", "runId", "firstExecutionRunId",
    "originalExecutionRunId", "newExecutionRunId", "continuedExecutionRunId",
    "attemptId"})  # fmt: skip
# Columns of random hex made here (delivery ids), not data from the case system.
RANDOM_COLUMNS = ("delivery",)


async def search_tables(url: str, out: Findings) -> None:
    conn = await asyncpg.connect(url)
    try:
        tables = [r["table_name"] for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]  # fmt: skip
        rows = found = 0
        for table in tables:
            for (text,) in await conn.fetch(f'SELECT row_to_json(t)::text FROM "{table}" t'):
                values = json.loads(text)
                for column in RANDOM_COLUMNS:
                    values.pop(column, None)
                rows += 1
                hit = bool(list(find_cpr(values)))
                found += hit
                out.check(not hit, f"{table}: a row with a CPR-like number", table)
        out.counts["CPR search: tables, rows"] = f"{len(tables)}, {rows}"
        out.counts["CPR search: rows with a number"] = found
    finally:
        await conn.close()


def _payloads(message: Message) -> list[Payload]:
    if isinstance(message, Payload):
        return [message]
    found: list[Payload] = []
    for _, value in message.ListFields():
        items = value.values() if hasattr(value, "values") else value
        items = [value] if isinstance(value, Message) else items
        if isinstance(items, str | bytes | int | float):
            continue
        for item in items:
            if isinstance(item, Message):
                found += _payloads(item)
    return found


def _attributes(attributes: Any) -> list[tuple[str, str, bool]]:
    """(name, text, is an id-like keyword) of each search attribute."""
    out = []
    for pair in attributes:
        value = pair.value
        text = value.isoformat() if hasattr(value, "isoformat") else str(value)
        out.append((pair.key.name, text, isinstance(value, str)))
    return out


async def search_workflows(client: Client, keys: KeyRing, out: Findings) -> None:
    codec = EncryptionCodec(keys)
    listed = [w async for w in client.list_workflows()]
    counts = {"ids": 0, "attributes": 0, "payloads": 0, "hits": 0, "sent": 0}

    def flag(text: str, what: str, where: str, strict: bool = False) -> None:
        hit = contains_cpr(text) or (strict and contains_cpr(text, strict=True))
        counts["hits"] += hit
        out.check(not hit, f"a CPR-like number in {what}", where)

    async def one(execution: Any) -> None:
        counts["ids"] += 1
        flag(execution.id, "a workflow id", "workflow id", strict=True)
        for name, text, keyword in _attributes(execution.typed_search_attributes):
            counts["attributes"] += 1
            flag(text, "a search attribute", name, strict=keyword)
        history = await client.get_workflow_handle(execution.id).fetch_history()
        raw = json.loads(history.to_json())
        paths = [p for p in find_cpr(raw) if p.rsplit(".", 1)[-1] not in RANDOM_KEYS]
        out.check(not paths, "a CPR-like number in a raw history", ", ".join(paths[:3]))
        counts["hits"] += bool(paths)
        for event in history.events:
            kind = EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")
            sent = kind in SENT_AS_IS
            for payload in _payloads(event):
                counts["payloads"] += 1
                clear = codec.decrypt(payload).data.decode("utf-8", "replace")
                if sent:
                    # What a client sent straight to a workflow is recorded before the
                    # workflow can refuse it; encrypted, and counted apart.
                    counts["sent"] += contains_cpr(clear)
                else:
                    flag(clear, "a decrypted payload", kind)

    await gather_limited(8, [one(w) for w in listed])
    out.counts["CPR search: workflow ids, search attributes, payloads"] = (
        f"{counts['ids']}, {counts['attributes']}, {counts['payloads']}"
    )
    out.counts["CPR search: hits in workflows"] = counts["hits"]
    out.counts["CPR search: signals/updates sent straight, recorded encrypted"] = counts["sent"]


def search_logs(folder: Path, out: Findings) -> None:
    lines = hits = 0
    for log in sorted(folder.glob("*.log")):
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            lines += 1
            if contains_cpr(line):
                hits += 1
                out.check(False, f"{log.name}: a log line with a CPR-like number", log.name)
    out.counts["CPR search: log lines"] = lines
    out.counts["CPR search: log lines with a number"] = hits
