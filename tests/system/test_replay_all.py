"""Every recorded history of every released version, under every tests/histories*/ folder
(cases, openings, digests), replays on the current workers' workflows (invariant 5).

A folder added for a new version or a new workflow is picked up here without a change.
The last test records a history from a real dev server with scripts/fetch_histories.py
(payloads encrypted there, decoded by the script) and replays it without the keys.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from activities.db import create_pool
from codec.payloads import ENCODING
from composition import create_worker
from testkit.builders import DEFAULT_POLICY
from testkit.keys import keys_env
from testkit.paths import TESTS
from testkit.replay import replayer
from workflows.case import CaseWorkflow
from workflows.digest import DigestWorkflow
from workflows.opening import OpeningWorkflow

FILES = sorted(p for folder in TESTS.glob("histories*") for p in folder.glob("**/*.json"))
WORKFLOWS = (CaseWorkflow, OpeningWorkflow, DigestWorkflow)
FETCH = TESTS.parent / "scripts" / "fetch_histories.py"
ENCRYPTED = base64.b64encode(ENCODING).decode()


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))


def test_every_kind_of_workflow_has_recorded_histories() -> None:
    folders = {p.relative_to(TESTS).parts[0] for p in FILES}
    assert folders == {"histories", "histories_openings", "histories_digest"}
    types = {
        load(p).events[0].workflow_execution_started_event_attributes.workflow_type.name
        for p in FILES
    }
    assert types == {w.__name__ for w in WORKFLOWS}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(TESTS)) for p in FILES])
async def test_a_history_of_any_version_replays(path: Path) -> None:
    result = await replayer(*WORKFLOWS).replay_workflow(load(path))
    assert result.replay_failure is None


async def test_a_history_fetched_from_a_dev_server_replays_without_keys(
    dev_env: WorkflowEnvironment, clean_db: str, tmp_path: Path
) -> None:
    queue, wid = f"fetch-{uuid.uuid4().hex}", f"digest-fetch-{uuid.uuid4().hex}"
    pool = await create_pool(clean_db)
    try:
        async with create_worker(dev_env.client, queue, pool, DEFAULT_POLICY):
            await dev_env.client.execute_workflow(DigestWorkflow.run, id=wid, task_queue=queue)
    finally:
        await pool.close()
    env = {**os.environ, **keys_env()}
    env["TEMPORAL_ADDRESS"] = dev_env.client.service_client.config.target_host
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(FETCH), "--out", str(tmp_path), "--query", f"WorkflowId = '{wid}'",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    [path] = await asyncio.to_thread(lambda: list(tmp_path.glob("*.json")))
    history = await asyncio.to_thread(load, path)
    text = history.to_json()
    # Decoded: no payload is left encrypted (metadata is base64 in the JSON).
    assert "encryption-key-id" not in text and ENCRYPTED not in text
    raw = await dev_env.client.get_workflow_handle(wid).fetch_history()
    assert ENCRYPTED in raw.to_json()  # what the server holds
    result = await replayer(DigestWorkflow).replay_workflow(history)
    assert result.replay_failure is None
