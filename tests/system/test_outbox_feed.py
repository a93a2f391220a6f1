"""The pull feed (GET /outbox, POST /outbox/ack) on a real port, with the door's own
authentication, over the real PostgreSQL: pages in a stable order through an opaque
cursor, a late-committing row never skipped, acknowledgement marks delivered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from temporalio.testing import WorkflowEnvironment

from activities.db import create_pool
from doors.feed import add_feed
from doors.http import AUTHORISED, build_app
from testkit.door import CONFIG, TOKEN
from testkit.relay import insert_messages, states

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def feed(clean_db: str, dev_env: WorkflowEnvironment) -> AsyncIterator[TestClient[Any, Any]]:
    """The door's own app (its middlewares, its authentication before the body) with the
    feed's routes, as `python -m doors.http` serves them."""
    pool = await create_pool(clean_db, 4)
    app = build_app(dev_env.client, "feed-unused", CONFIG)
    add_feed(app, pool, app[AUTHORISED])
    async with TestClient(TestServer(app)) as client:
        yield client
    await pool.close()


async def read_all(
    feed: TestClient[Any, Any], after: str | None, limit: int
) -> tuple[list[str], str]:
    ids: list[str] = []
    while True:
        query = {"limit": str(limit), **({"after": after} if after else {})}
        async with feed.get("/outbox", params=query, headers=AUTH) as response:
            assert response.status == 200, await response.text()
            page = await response.json()
        after = page["next"]
        ids += [e["id"] for e in page["events"]]
        if len(page["events"]) < limit:
            return ids, page["next"]


async def test_pages_follow_the_cursor_in_a_stable_order_with_cloudevents(
    feed: TestClient[Any, Any], clean_db: str
) -> None:
    first = await insert_messages(clean_db, 7, tag="a")
    second = await insert_messages(clean_db, 5, tag="b")
    ids, cursor = await read_all(feed, None, 3)
    assert sorted(ids) == sorted(first + second) and len(set(ids)) == 12
    # The earlier transaction's rows come first, and reading again gives the same order.
    assert set(ids[:7]) == set(first)
    assert (await read_all(feed, None, 5))[0] == ids
    async with feed.get("/outbox", params={"limit": "1"}, headers=AUTH) as response:
        [event] = (await response.json())["events"]
    assert event["specversion"] == "1.0" and event["type"] == "dk.trappebro.outbox.escalation"
    assert event["id"] == ids[0] and event["data"]["message_key"] == ids[0]
    assert event["source"] == f"/trappebro/cases/{event['data']['case_id']}"
    # Nothing new: the cursor stays; a new row appears after it.
    assert await read_all(feed, cursor, 3) == ([], cursor)
    later = await insert_messages(clean_db, 1, tag="c")
    assert (await read_all(feed, cursor, 3))[0] == later


async def test_a_row_committed_late_is_not_skipped(
    feed: TestClient[Any, Any], clean_db: str
) -> None:
    conn = await asyncpg.connect(clean_db)
    try:
        slow = conn.transaction()
        await slow.start()  # its transaction id is older than the rows written below
        await conn.execute("SELECT pg_current_xact_id()")
        await conn.execute(
            "INSERT INTO outbox (message_key, case_id, kind, recipients, message) "
            "VALUES ('late/1', 'case-late', 'escalation', '[]', 'late')"
        )
        quick = await insert_messages(clean_db, 3, tag="quick")
        ids, cursor = await read_all(feed, None, 10)
        assert ids == []  # held back until the older transaction ends
        await slow.commit()
    finally:
        await conn.close()
    ids, _ = await read_all(feed, cursor, 10)
    assert ids[0] == "late/1"  # its older transaction orders it first, not behind the cursor
    assert set(ids) == {"late/1", *quick}


async def test_ack_marks_delivered_and_names_unknown_ids(
    feed: TestClient[Any, Any], clean_db: str
) -> None:
    keys = await insert_messages(clean_db, 3)
    body = {"ids": [keys[0], keys[1], "no/such/key"]}
    async with feed.post("/outbox/ack", json=body, headers=AUTH) as response:
        assert response.status == 200
        assert await response.json() == {"acknowledged": 2, "unknown": ["no/such/key"]}
    rows = await states(clean_db)
    assert [rows[k]["state"] for k in keys] == ["delivered", "delivered", "pending"]
    assert rows[keys[0]]["acknowledged_by"] == "case-system"
    assert rows[keys[0]]["delivered_at"] is not None


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [("/outbox", {"after": "not-a-cursor"}, "after"), ("/outbox", {"limit": "0"}, "limit"),
     ("/outbox", {"limit": "501"}, "limit")],
)  # fmt: skip
async def test_bad_cursor_or_limit_is_refused_naming_the_field(
    feed: TestClient[Any, Any], path: str, query: dict[str, str], field: str
) -> None:
    async with feed.get(path, params=query, headers=AUTH) as response:
        assert response.status == 400
        assert (await response.json())["field"] == field


async def test_bad_ack_body_and_no_credentials_are_refused(feed: TestClient[Any, Any]) -> None:
    async with feed.post("/outbox/ack", json={"ids": []}, headers=AUTH) as response:
        assert response.status == 400 and (await response.json())["field"] == "ids"
    async with feed.get("/outbox") as response:
        assert response.status == 401
    async with feed.get("/outbox", headers={"Authorization": "Bearer wrong-token"}) as response:
        assert response.status == 401
