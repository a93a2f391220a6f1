"""The relay tells each case what became of its escalation: a case escalates on the Temporal
server, the relay delivers the row to a real receiver (or the receiver refuses it), and the
case's Current details then say so. A row whose case has no workflow is delivered all the
same; its signal is logged and dropped. An acknowledgement on the pull feed tells the case
the same way."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from temporalio.testing import WorkflowEnvironment

from activities.db import create_pool
from doors.feed import add_feed
from doors.http import AUTHORISED, build_app
from infrastructure.config import REPO_ROOT
from outbox.notify import CaseNotifier, made
from outbox.receiver import Answer, Receiver
from testkit.builders import write_policy
from testkit.case_run import CaseRun, key
from testkit.describe import current_details
from testkit.door import CONFIG, TOKEN
from testkit.harness import Harness, open_harness
from testkit.ops import worker_env
from testkit.relay import (
    SECRET,
    insert_messages,
    port,
    receivers_file,
    receiving,
    relay_telling,
    states,
)
from testkit.waiting import eventually

AUTH = {"Authorization": f"Bearer {TOKEN}"}
FAST = {"first_delay_seconds": 0.05, "max_delay_seconds": 0.2, "timeout_seconds": 2.0}


async def escalated(h: Harness) -> tuple[CaseRun, str]:
    """A new case past its job-goal deadline (100 s, virtual): its level 1 row is written."""
    case = h.case()
    await case.accept("case_opened")
    await h.skip(timedelta(seconds=110))
    s = await case.wait_for(lambda st: st.escalation_level == 1, "level 1")
    return case, key(case, "escalation", s.state.deadline_no, 1)


async def test_the_case_hears_that_its_escalation_was_delivered_or_refused(
    ts_env: WorkflowEnvironment, clean_db: str, tmp_path: Path
) -> None:
    at = port()
    receiver = Receiver(SECRET)
    config = receivers_file(tmp_path, at, **FAST)
    async with open_harness(ts_env, clean_db, write_policy(tmp_path)) as h:
        # No relay yet: the row waits, and the case says so.
        case, first = await escalated(h)
        assert "Seneste eskalering (niveau 1): endnu ikke leveret" in await current_details(
            case.handle
        )
        [orphan] = await insert_messages(clean_db, 1, tag="orphan")  # no workflow for its case
        async with receiving(receiver, at), relay_telling(clean_db, config, h.client) as relay:
            shown = await eventually(
                lambda: current_details(case.handle), lambda d: "**leveret**" in d, "delivered"
            )
            assert "Seneste eskalering (niveau 1): **leveret** " in shown
            rows = await states(clean_db)
            assert rows[first]["state"] == "delivered" and rows[orphan]["state"] == "delivered"
            assert receiver.seen[first] == 1

            # The next rung is refused (4xx): failed at once, and the case says why.
            receiver.plan(Answer(422))
            await h.skip(timedelta(seconds=60))
            await case.wait_for(lambda st: st.escalation_level == 2, "level 2")
            shown = await eventually(
                lambda: current_details(case.handle), lambda d: "afvist" in d, "refused"
            )
            assert "Seneste eskalering (niveau 2): **levering mislykkedes (afvist)** " in shown
            assert ": 422" in shown
            assert relay.notifier is not None and relay.notifier.told == 2
    # Each delivered message was sent once: telling the case sent nothing again.
    assert receiver.seen[first] == 1 and receiver.seen[orphan] == 1


async def test_an_escalation_acknowledged_on_the_pull_feed_is_delivered_in_the_details(
    ts_env: WorkflowEnvironment, clean_db: str, tmp_path: Path
) -> None:
    async with open_harness(ts_env, clean_db, write_policy(tmp_path)) as h:
        case, first = await escalated(h)
        pool = await create_pool(clean_db, 2)
        notifier = CaseNotifier(made(h.client))
        app = build_app(h.client, h.queue, CONFIG)
        add_feed(app, pool, app[AUTHORISED], notifier)
        try:
            async with TestClient(TestServer(app)) as door:
                body = {"ids": [first]}
                async with door.post("/outbox/ack", json=body, headers=AUTH) as response:
                    assert response.status == 200
                    assert (await response.json())["acknowledged"] == 1
                shown = await eventually(
                    lambda: current_details(case.handle), lambda d: "**leveret**" in d, "acked"
                )
        finally:
            await notifier.close()
            await pool.close()
    assert "Seneste eskalering (niveau 1): **leveret** " in shown
    assert notifier.told == 1


async def test_the_relay_process_tells_the_case_with_the_workers_settings(
    ts_env: WorkflowEnvironment, clean_db: str, tmp_path: Path
) -> None:
    """`python -m outbox` as deployed: Temporal address and payload key from the
    environment, as the worker has them; SIGTERM stops it cleanly."""
    at = port()
    env = worker_env(
        ts_env, clean_db, TRAPPEBRO_RECEIVERS=str(receivers_file(tmp_path, at, **FAST))
    )
    async with open_harness(ts_env, clean_db, write_policy(tmp_path)) as h:
        case, first = await escalated(h)
        async with receiving(Receiver(SECRET), at) as receiver:
            log = tmp_path / "relay.log"
            with log.open("ab") as out:
                relay = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "outbox", cwd=REPO_ROOT, env=env,
                    stdout=out, stderr=out,
                )  # fmt: skip
            try:
                shown = await eventually(
                    lambda: current_details(case.handle), lambda d: "**leveret**" in d,
                    "delivered", within=30,
                )  # fmt: skip
            finally:
                relay.send_signal(signal.SIGTERM)
                assert await asyncio.wait_for(relay.wait(), 20) == 0, log.read_text()
    assert "Seneste eskalering (niveau 1): **leveret** " in shown
    assert receiver.seen[first] == 1
