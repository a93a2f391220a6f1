"""The HTTP door against its own /openapi.json, fuzzed by Schemathesis (CI's short form):
no answer is a 5xx, and every answer's status, content type and body match the spec.

The door runs in-process with a real worker (testkit/door.py); Schemathesis calls it
over a real socket from a thread, so the event loop serving it stays free."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.core.result import Err
from temporalio.testing import WorkflowEnvironment

from testkit.door import TOKEN, Door, open_door

EXAMPLES = 20  # per operation: the short form; raise it locally to fuzz longer
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def fuzz(spec: dict[str, Any], base_url: str) -> list[str]:
    """Every operation of ``spec`` fuzzed; the operations run."""
    schema = schemathesis.openapi.from_dict(spec)
    ran: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):  # the spec itself is wrong: say where
            raise AssertionError(f"the door's spec does not load: {result.err()}")
        operation = result.ok()
        strategy = operation.as_strategy()

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            case.call_and_validate(
                base_url=base_url,
                headers={"Authorization": f"Bearer {TOKEN}"},
                checks=CHECKS,
                timeout=60,
            )

        run()
        ran.append(f"{operation.method.upper()} {operation.path}")
    return ran


@pytest.fixture
async def door(dev_env: WorkflowEnvironment, database_url: str) -> AsyncIterator[Door]:
    async with open_door(dev_env.client, database_url) as opened:
        yield opened


async def test_the_door_keeps_to_its_own_spec(door: Door) -> None:
    spec = await (await door.http.get("/openapi.json")).json()
    base_url = str(door.http.make_url("")).rstrip("/")
    ran = await asyncio.to_thread(fuzz, spec, base_url)
    assert {"POST /events", "GET /health", "GET /openapi.json"} <= set(ran)
