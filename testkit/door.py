"""The HTTP door in-process for the tests: the real app on a real port, in front of the real
dev server with a real worker and PostgreSQL; requests signed as the case system signs them."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from temporalio.client import Client

from activities.db import create_pool
from composition import create_worker
from core.intake import parse_event
from core.kernel.refusal import Refused
from doors.auth import parse_secrets, signature
from doors.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, DoorConfig, build_app
from testkit.builders import DEFAULT_POLICY, new_case_id
from testkit.samples import CPH, valid_data

TOKEN = "case-system-token-0123456789"
SIGNING = "case-system-signing-secret-0123456789"
CONFIG = DoorConfig(
    tokens=parse_secrets(f"case-system:{TOKEN}", "test"),
    signing_keys=parse_secrets(f"case-system:{SIGNING}", "test"),
    max_body=64 * 1024,
    max_batch=20,
    window=300,
)


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    text: str


@dataclass
class Door:
    http: TestClient[Any, Any]
    client: Client
    queue: str

    async def post(
        self, body: bytes, headers: dict[str, str] | None = None, *, sign: bool = True
    ) -> Answer:
        given = {"Content-Type": "application/json", **(headers or {})}
        if sign and SIGNATURE_HEADER not in given and "Authorization" not in given:
            given.update(signed_headers(body))
        async with self.http.post("/events", data=body, headers=given) as response:
            text = await response.text()
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = {}
        return Answer(response.status, parsed if isinstance(parsed, dict) else {}, text)

    async def send(self, events: Any) -> Answer:
        return await self.post(json.dumps(events).encode())


def signed_headers(body: bytes, at: float | None = None) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature(SIGNING, stamp, body)}


def event(kind: str = "case_opened", case_id: str | None = None, **data: Any) -> dict[str, Any]:
    """A valid event occurring now, for a new case unless ``case_id``."""
    now = datetime.now(CPH).replace(microsecond=0)
    case = case_id or new_case_id("HTTP")
    return {
        "event_id": f"{case}-{kind}-{uuid.uuid4().hex[:6]}",
        "case_id": case,
        "type": kind,
        "occurred_at": now.isoformat(),
        "data": {**valid_data(kind, now.date()), **data},
    }


def intake_refuses(item: Any) -> bool:
    """What the contract says of one item, without the door: refused at intake or not."""
    try:
        parse_event(item if isinstance(item, dict) else json.dumps(item))
    except Refused:
        return True
    return False


@asynccontextmanager
async def open_door(client: Client, database_url: str) -> AsyncIterator[Door]:
    pool = await create_pool(database_url)
    queue = f"door-{uuid.uuid4().hex}"
    try:
        async with create_worker(client, queue, pool, DEFAULT_POLICY):
            app = build_app(client, queue, CONFIG)
            async with TestClient(TestServer(app)) as http:
                door = Door(http, client, queue)
                try:
                    yield door
                finally:
                    await _terminate_cases(client, queue)
    finally:
        await pool.close()


async def _terminate_cases(client: Client, queue: str) -> None:
    """The door's cases are left running on the session's server: stop them."""
    async for execution in client.list_workflows(f"TaskQueue = '{queue}'"):
        if execution.status is not None and execution.status.name == "RUNNING":
            await client.get_workflow_handle(execution.id).terminate(reason="test finished")
