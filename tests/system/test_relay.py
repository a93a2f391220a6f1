"""The outbox relay against a real receiver (verifying Standard Webhooks signatures with the
library, counting deliveries by webhook-id) and the real PostgreSQL: the happy path, 500s,
timeouts, a 400, Retry-After, a receiver down a while, dead-letter and the operator's
retry, two relays at once, and a relay SIGKILLed mid-send then started again."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from infrastructure.config import REPO_ROOT
from outbox import ops
from outbox.receiver import Answer, Receiver
from testkit.relay import (
    FAST,
    SECRET,
    all_in_state,
    insert_messages,
    port,
    receivers_file,
    receiving,
    relay,
    states,
    until,
)


async def test_each_message_arrives_once_signed_and_is_marked_delivered(
    clean_db: str, tmp_path: Path
) -> None:
    at = port()
    keys = await insert_messages(clean_db, 25)
    async with (
        receiving(Receiver(SECRET), at) as receiver,
        relay(clean_db, receivers_file(tmp_path, at, **FAST)),
    ):
        await until(lambda: all_in_state(clean_db, "delivered", 25), "all delivered")
    assert sorted(receiver.seen) == sorted(keys)
    assert set(receiver.seen.values()) == {1}
    assert receiver.refused == 0
    rows = await states(clean_db)
    assert all(r["delivered_at"] is not None and r["attempts"] == 1 for r in rows.values())
    assert {r["receiver"] for r in rows.values()} == {"local"}


async def test_500s_and_timeouts_are_retried_until_an_answer_2xx(
    clean_db: str, tmp_path: Path
) -> None:
    at = port()
    [key] = await insert_messages(clean_db, 1)
    receiver = Receiver(SECRET)
    # Two 500s, one answer slower than the relay's 0.5 s timeout, a 503, then the 204.
    receiver.plan(Answer(500), Answer(500), Answer(204, delay=1.0), Answer(503))
    async with receiving(receiver, at), relay(clean_db, receivers_file(tmp_path, at, **FAST)):
        await until(lambda: all_in_state(clean_db, "delivered", 1), "delivery")
    row = (await states(clean_db))[key]
    assert row["attempts"] == 5
    assert row["last_answer"].startswith("204")
    # The slow answer's 204 came after the relay gave up on it: not counted as delivered by
    # the relay, and the receiver deduplicates by id; the row was sent again all the same.
    assert receiver.seen[key] >= 1 and receiver.arrived == 5


async def test_a_4xx_is_failed_at_once_with_its_answer_and_429_waits_for_retry_after(
    clean_db: str, tmp_path: Path
) -> None:
    at = port()
    [refused] = await insert_messages(clean_db, 1, tag="refused")
    receiver = Receiver(SECRET)
    receiver.plan(Answer(422))
    config = receivers_file(tmp_path, at, **{**FAST, "max_delay_seconds": 5})
    async with receiving(receiver, at), relay(clean_db, config):
        await until(lambda: all_in_state(clean_db, "failed", 1), "a failed row")
        row = (await states(clean_db))[refused]
        assert row["attempts"] == 1 and row["last_answer"].startswith("422")
        assert row["delivered_at"] is None
        receiver.plan(Answer(429, retry_after="1"))
        [slow] = await insert_messages(clean_db, 1, tag="slow")
        await until(lambda: all_in_state(clean_db, "delivered", 1), "the 429'd delivery")
    row = (await states(clean_db))[slow]
    assert row["attempts"] == 2
    # Retry-After: 1 s between the two attempts, not the 0.05 s backoff.
    assert (row["delivered_at"] - row["created_at"]).total_seconds() >= 0.9


async def test_a_receiver_down_a_while_gets_every_message_when_back(
    clean_db: str, tmp_path: Path
) -> None:
    at = port()
    keys = await insert_messages(clean_db, 40)
    # Enough attempts for the outage at this fast backoff; the dead-letter test has few.
    async with relay(clean_db, receivers_file(tmp_path, at, max_attempts=1000, **FAST)):
        await asyncio.sleep(4.0)  # connection refused, again and again
        rows = await states(clean_db)
        assert all(r["state"] == "pending" and r["attempts"] >= 2 for r in rows.values())
        assert all("Connect" in r["last_answer"] for r in rows.values())
        async with receiving(Receiver(SECRET), at) as receiver:
            await until(lambda: all_in_state(clean_db, "delivered", 40), "all delivered")
    assert sorted(receiver.seen) == sorted(keys)


async def test_dead_lettered_after_max_attempts_kept_and_retried_by_the_operator(
    clean_db: str, tmp_path: Path
) -> None:
    at = port()
    [key] = await insert_messages(clean_db, 1)
    receiver = Receiver(SECRET)
    receiver.plan(*[Answer(500)] * 3)
    config = receivers_file(tmp_path, at, max_attempts=3, **FAST)
    async with receiving(receiver, at), relay(clean_db, config):
        await until(lambda: all_in_state(clean_db, "dead", 1), "a dead letter")
        await asyncio.sleep(0.5)
        row = (await states(clean_db))[key]
        assert row["attempts"] == 3 and row["last_answer"].startswith("500")
        assert receiver.seen[key] == 0
        conn = await asyncpg.connect(clean_db)
        try:
            [listed] = await ops.undelivered(conn)
            assert (listed["message_key"], listed["state"]) == (key, "dead")
            await ops.retry(conn, key)
            with pytest.raises(ops.Unknown, match="no failed or dead-lettered"):
                await ops.retry(conn, key)
        finally:
            await conn.close()
        await until(lambda: all_in_state(clean_db, "delivered", 1), "the retried delivery")
    assert receiver.seen[key] == 1


async def test_two_relays_never_send_one_message_at_once(clean_db: str, tmp_path: Path) -> None:
    at = port()
    keys = await insert_messages(clean_db, 400)
    receiver = Receiver(SECRET)
    receiver.plan(*[Answer(204, delay=0.01)] * 400)
    # A long timeout: a resend after a timeout would be the same relay, not the other one.
    config = receivers_file(tmp_path, at, batch=20, **{**FAST, "timeout_seconds": 10})
    async with receiving(receiver, at), relay(clean_db, config, count=2) as relays:
        await until(lambda: all_in_state(clean_db, "delivered", 400), "all delivered")
    assert sorted(receiver.seen) == sorted(keys)
    assert set(receiver.seen.values()) == {1}
    assert receiver.overlaps == 0 and receiver.arrived == 400
    # Both did work: the claims interleaved rather than one relay doing it all.
    assert all(r.counts.get("delivered", 0) > 0 for r in relays)


async def test_a_relay_killed_mid_send_resends_only_under_the_same_webhook_id(
    clean_db: str, tmp_path: Path
) -> None:
    at = port()
    keys = await insert_messages(clean_db, 30)
    receiver = Receiver(SECRET)
    receiver.plan(*[Answer(204, delay=5.0)] * 30)  # every first send is still open at the kill
    # timeout 1 s: a lease of 8 s brings the killed relay's rows back.
    config = receivers_file(tmp_path, at, timeout_seconds=1, first_delay_seconds=0.05)
    env = {**os.environ, "DATABASE_URL": clean_db, "TRAPPEBRO_RECEIVERS": str(config)}
    log = tmp_path / "relay.log"
    async with receiving(receiver, at):
        first = await _relay_process(env, log)
        await until(lambda: receiver.arrived >= 30, "the first sends")
        first.send_signal(signal.SIGKILL)
        assert await first.wait() == -signal.SIGKILL
        metrics = port()
        second = await _relay_process(
            {**env, "TRAPPEBRO_METRICS_ADDRESS": f"127.0.0.1:{metrics}"}, log
        )
        try:
            await until(lambda: all_in_state(clean_db, "delivered", 30), "all delivered", 40)
            # The restarted relay counts what it delivered on its metrics endpoint.
            counted = await until(lambda: _delivered_metric(metrics), "the relay's metric", 20)
            assert counted == 30
        finally:
            second.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(second.wait(), 20) == 0
    assert sorted(receiver.seen) == sorted(keys)
    assert receiver.distinct == len(keys)


async def _delivered_metric(port: int) -> float | None:
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/metrics") as response,
        ):
            text = await response.text()
    except aiohttp.ClientError:
        return None
    found = re.search(
        r'^trappebro_outbox_deliveries_total\{[^}]*result="delivered"[^}]*\} (\S+)$', text, re.M
    )
    return float(found.group(1)) if found and float(found.group(1)) >= 30 else None


async def _relay_process(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "outbox", cwd=REPO_ROOT, env=env, stdout=out, stderr=out
        )


async def test_the_relay_refuses_to_start_on_a_bad_receivers_file(tmp_path: Path) -> None:
    config = tmp_path / "receivers.toml"
    config.write_text('[receivers.aarhus]\nurl = "http://sag.aarhus.dk/hook"\nsecret_env = "X"\n')
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://nobody@/none",
        "TRAPPEBRO_RECEIVERS": str(config),
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "outbox", cwd=REPO_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await proc.communicate()
    assert proc.returncode == 2
    assert b"receivers.aarhus.url must use https outside loopback" in out
