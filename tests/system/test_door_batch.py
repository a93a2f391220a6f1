"""The door with a batch that holds more events of one case than the server takes
receipt updates at once (10 in flight per workflow), on the dev server: every event is
applied and confirmed, none is reported unconfirmed and the ingest does not fail.

On a quiet machine the SDK's retries of refused updates hide the limit, so this passes
without the door's per-case cap too; under load (the generated year, scripts/feed_year.py)
the retries ran out and a receipt query timed out, which ended the whole ingest."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from doors.ingest import ingest
from testkit.builders import new_case_id
from testkit.harness import open_harness
from testkit.samples import CPH, raw

SERVER_LIMIT = 10  # receipt updates in flight on one workflow (the server's default)


async def test_many_events_of_one_case_in_one_batch(
    dev_env: WorkflowEnvironment, clean_db: str
) -> None:
    case_id = new_case_id()
    start = datetime.now(CPH).replace(microsecond=0) - timedelta(hours=1)
    kinds = ["case_opened", "job_goal_talk_held"] + ["owner_changed"] * 3 * SERVER_LIMIT
    lines = []
    for n, kind in enumerate(kinds):
        extra = {"owner": f"sb-{n:02d}"} if kind == "owner_changed" else {}
        moment = start + timedelta(minutes=n)
        lines.append(
            json.dumps(raw(kind, moment, event_id=f"{case_id}-{n}", case_id=case_id, **extra))
        )
    async with open_harness(dev_env, clean_db) as h:
        report = await ingest(h.client, h.queue, lines)
        assert (report.accepted, report.refused, report.unconfirmed) == (len(lines), [], [])
        logged = await h.pool.fetchval(
            "SELECT count(*) FROM case_event WHERE case_id = $1", case_id
        )
        assert logged == len(lines)
        owner = await h.pool.fetchval(
            "SELECT owner FROM case_projection WHERE case_id = $1", case_id
        )
        assert owner == f"sb-{len(lines) - 1:02d}"
