"""The HTTP door: the same intake and receipts as starter.py, authentication by signature or
token, limits, and answers that name the problem. Real server, worker and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from temporalio.testing import WorkflowEnvironment

from doors.auth import FUTURE_SKEW
from doors.http import SIGNATURE_HEADER, TIMESTAMP_HEADER, DoorConfig
from doors.ingest import ingest
from infrastructure.config import REPO_ROOT
from testkit.builders import new_case_id
from testkit.common import free_port
from testkit.door import CONFIG, TOKEN, Door, event, open_door, signed_headers
from testkit.keys import keys_env
from testkit.samples import sample_lines


@pytest.fixture(scope="module")
async def door(dev_env: WorkflowEnvironment, database_url: str) -> AsyncIterator[Door]:
    async with open_door(dev_env.client, database_url) as opened:
        yield opened


async def test_health_and_openapi(door: Door) -> None:
    async with door.http.get("/health") as response:
        assert (response.status, await response.json()) == (200, {"status": "ok"})
    async with door.http.get("/openapi.json") as response:
        spec = await response.json()
    assert spec["openapi"].startswith("3.")
    assert "post" in spec["paths"]["/events"]
    kinds = {
        v["properties"]["type"]["const"] for v in spec["components"]["schemas"]["Event"]["oneOf"]
    }
    assert len(kinds) == 20 and "case_opened" in kinds  # 17, and the law's three
    assert spec["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]


async def test_a_signed_event_is_accepted_once(door: Door) -> None:
    opened = event()
    first = await door.send(opened)
    assert (first.status, first.body) == (
        200,
        {"accepted": 1, "duplicate": 0, "refused": [], "unconfirmed": []},
    )
    again = await door.send(opened)
    assert (again.status, again.body["duplicate"], again.body["accepted"]) == (200, 1, 0)


async def test_a_bearer_token_also_opens_the_door(door: Door) -> None:
    body = json.dumps(event()).encode()
    ok = await door.post(body, {"Authorization": f"Bearer {TOKEN}"})
    assert ok.status == 200, ok.text
    for wrong in (f"Bearer {TOKEN}x", TOKEN, "Basic abc", "Bearer "):
        answer = await door.post(body, {"Authorization": wrong})
        assert answer.status == 401, (wrong, answer.text)
        assert answer.body["error"]


async def test_a_batch_names_each_refusal_by_index(door: Door) -> None:
    opened = event()
    with_cpr = event(restrictions=["se journal 010170-1234"])
    missing = event()
    del missing["data"]["owner"]
    answer = await door.send([opened, with_cpr, missing, "not an event"])
    assert answer.status == 422, answer.text
    assert answer.body["accepted"] == 1
    refused = {(r["index"], r["field"]) for r in answer.body["refused"]}
    assert refused == {
        (1, "data.restrictions[0]"),
        (2, "data.owner"),
        (3, "<line>"),
    }
    assert "010170" not in answer.text  # a refused value is never echoed


async def test_a_closed_case_stays_closed(door: Door) -> None:
    opened = event()
    case_id = opened["case_id"]
    closed = event("case_closed", case_id=case_id)
    assert (await door.send([opened, closed])).status == 200
    late = await door.send(event("cv_updated", case_id=case_id))
    assert late.status == 422
    assert late.body["refused"] == [{"index": 0, "field": "case_id", "reason": "case closed"}]


async def test_signatures_and_the_replay_window(door: Door) -> None:
    body = json.dumps({"type": "nonsense"}).encode()  # refused at intake: 422 once let in
    now = time.time()
    assert (await door.post(body, signed_headers(body, now - 290))).status == 422
    assert (await door.post(body, signed_headers(body, now + FUTURE_SKEW - 2))).status == 422
    for at in (now - 400, now + 290, now + 400, now - 86400):
        answer = await door.post(body, signed_headers(body, at))
        assert answer.status == 401
        assert "window" in answer.body["error"]
    other = signed_headers(b"[]")
    assert (await door.post(body, other)).body["error"] == "signature does not match"
    stamp_only = {TIMESTAMP_HEADER: str(int(now))}
    assert (await door.post(body, stamp_only, sign=False)).status == 401
    tampered = signed_headers(body)
    last = tampered[SIGNATURE_HEADER][-1]
    tampered[SIGNATURE_HEADER] = tampered[SIGNATURE_HEADER][:-1] + ("1" if last == "0" else "0")
    assert (await door.post(body, tampered)).status == 401
    assert (await door.post(body, sign=False)).status == 401


@pytest.mark.parametrize(
    "body, content_type, status, says",
    [
        (b"x" * (CONFIG.max_body + 1), "application/json", 413, "bytes"),
        (
            json.dumps([event()] * (CONFIG.max_batch + 1)).encode(),
            "application/json",
            413,
            "at most",
        ),
        (b"[]", "application/json", 400, "empty batch"),
        (b"{", "application/json", 400, "not valid JSON"),
        (b"\xff\xfe", "application/json", 400, "not valid JSON"),
        (b'"text"', "application/json", 400, "event object or an array"),
        (b"[" * 40 + b"]" * 40, "application/json", 400, "nested deeper"),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400, "not valid JSON"),
        (b"{}", "text/plain", 415, "application/json"),
    ],
)
async def test_limits_and_bad_bodies_are_named(
    door: Door, body: bytes, content_type: str, status: int, says: str
) -> None:
    answer = await door.post(body, {"Content-Type": content_type, **signed_headers(body)})
    assert answer.status == status, answer.text
    assert says in answer.body["error"]


async def test_unknown_paths_and_methods_answer_json(door: Door) -> None:
    async with door.http.get("/events") as response:
        assert response.status == 405
        assert "error" in await response.json()
    async with door.http.post("/nowhere", data=b"{}") as response:
        assert response.status == 404
        assert "error" in await response.json()


def test_config_from_environment() -> None:
    env = {
        "TRAPPEBRO_DOOR_TOKENS": f"cs:{TOKEN}",
        "TRAPPEBRO_DOOR_MAX_BATCH": "7",
        "TRAPPEBRO_DOOR_WINDOW": "60",
    }
    config = DoorConfig.from_env(env)
    assert (config.max_batch, config.window, config.max_body) == (7, 60, 1024 * 1024)
    assert config.tokens.match(TOKEN) == "cs"
    for name, value in [("TRAPPEBRO_DOOR_MAX_BATCH", "0"), ("TRAPPEBRO_DOOR_WINDOW", "x")]:
        with pytest.raises(ValueError, match=name):
            DoorConfig.from_env({name: value})
    with pytest.raises(ValueError, match="under 16"):
        DoorConfig.from_env({"TRAPPEBRO_DOOR_TOKENS": "cs:short"})


async def test_the_entry_point_serves_and_stops(dev_env: WorkflowEnvironment) -> None:
    port = free_port()
    env = {
        **os.environ,
        **keys_env(),
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "TRAPPEBRO_DOOR_PORT": str(port),
    }
    refused = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "doors.http", cwd=REPO_ROOT, env=env,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await refused.communicate()
    assert refused.returncode == 2 and b"TRAPPEBRO_DOOR_TOKENS" in err
    env["TRAPPEBRO_DOOR_TOKENS"] = f"cs:{TOKEN}"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "doors.http", cwd=REPO_ROOT, env=env,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(f"http://127.0.0.1:{port}/health") as response:
                        assert response.status == 200
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("the door never answered")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 30) == 0


async def test_the_door_and_starter_py_answer_alike(door: Door) -> None:
    # The shared sample, on fresh case numbers, plus what the case system gets wrong.
    sample = [json.loads(line) for line in sample_lines()]
    fresh = {case: new_case_id("SAME") for case in {item["case_id"] for item in sample}}
    items: list[Any] = [_renamed(item, fresh) for item in sample]
    items += [event(restrictions=["cpr 0101701234"]), {"type": "case_opened"}, []]
    answer = await door.send(items)
    # starter.py's door, afterwards: the same events again, so accepted ones are duplicates.
    report = await ingest(door.client, door.queue, [json.dumps(item) for item in items])
    assert {(r["index"], r["field"], r["reason"]) for r in answer.body["refused"]} == {
        (r.line - 1, r.field, r.reason) for r in report.refused
    }
    assert answer.body["accepted"] == report.accepted + report.duplicate
    assert len(report.refused) >= 3


def _renamed(item: dict[str, Any], cases: dict[str, str]) -> dict[str, Any]:
    case = cases[item["case_id"]]
    return {**item, "case_id": case, "event_id": f"{case}-{item['event_id']}"}
