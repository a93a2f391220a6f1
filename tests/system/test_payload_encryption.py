"""Payload encryption, end to end: a case on a real server leaves no citizen field in clear
in its history, reads back whole with the keys, survives a key rotation mid-case, and the
histories recorded before encryption still replay on the encrypting worker (the codec and
the key ring on their own: tests/unit/test_codec.py)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload, SearchAttributes
from temporalio.api.history.v1 import MarkerRecordedEventAttributes
from temporalio.client import Client, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.db import create_pool
from codec.keys import KeyRing, generate
from codec.payloads import ENCODING, KEY_ID, EncryptionCodec, UndecryptablePayload, data_converter
from composition import PASSTHROUGH, create_worker
from core.stages import Stage
from doors.ingest import send
from infrastructure.config import DEV_KEY_FILE, REPO_ROOT
from testkit.builders import DEFAULT_POLICY, build_event, history_files, new_case_id
from testkit.case_run import CaseRun
from testkit.harness import open_harness
from testkit.keys import CONVERTER, KEYS
from testkit.samples import CPH
from workflows.case import CaseWorkflow
from workflows.case_payloads import workflow_id

# Citizen data a case carries, ASCII so a search of raw bytes cannot miss an escaped form.
GOAL = "Truckforer ZQXGOAL"
RESTRICTIONS = ["Maa ikke loefte ZQXRESTA", "Kan ikke staa hele dagen ZQXRESTB"]
REJECTION = "Mangler lagererfaring ZQXREJECT"
EMPLOYER = "Havnens Lager ZQXEMPLOYER"
DECLINE = "Lang transporttid ZQXDECLINE"
CITIZEN = [GOAL, *RESTRICTIONS, REJECTION, EMPLOYER, DECLINE]


def plain_client(client: Client, converter: DataConverter = pydantic_data_converter) -> Client:
    """Another client on the same connection, with another converter (none: no keys)."""
    return Client(client.service_client, namespace=client.namespace, data_converter=converter)


def raw_bytes(history: WorkflowHistory) -> bytes:
    """Everything the server stores for the history: every event, serialised."""
    return b"".join(event.SerializeToString() for event in history.events)


async def run_case_through_stages(case: CaseRun) -> None:
    await case.accept("case_opened", restrictions=RESTRICTIONS)
    await case.accept("job_goal_talk_held", job_goals=[{"title": GOAL}])
    await case.accept("fit_for_work_declared")
    await case.accept("cv_updated")
    await case.accept("handover_rejected", reason=REJECTION)
    await case.accept("cv_updated")
    await case.accept("handover_accepted")
    await case.accept("match_proposed", employer=EMPLOYER)
    await case.accept("match_declined", reason=DECLINE)
    settled = await case.settled()
    assert settled.state.stage is Stage.MATCHING


async def test_no_citizen_field_in_clear_and_all_reads_back(
    ts_env: WorkflowEnvironment, clean_db: str
) -> None:
    async with open_harness(ts_env, clean_db) as h:
        case = h.case()
        await run_case_through_stages(case)
        wid = case.workflow_id

        raw = await plain_client(h.client).get_workflow_handle(wid).fetch_history()
        stored = raw_bytes(raw) + raw.to_json().encode()
        assert [m for m in CITIZEN if m.encode() in stored] == []
        # Not a vacuous pass: the payloads are there, encrypted, under the session key.
        encrypted = _payloads(raw)
        assert encrypted and all(p.metadata["encoding"] == ENCODING for p in encrypted)
        assert {p.metadata[KEY_ID] for p in encrypted} == {KEYS.current_id.encode()}

        # With the keys: the history's payloads decode to every citizen field, and the
        # case's own queries answer in full.
        decoded = await EncryptionCodec(KEYS).decode(encrypted)
        clear = b"".join(p.data for p in decoded)
        assert [m for m in CITIZEN if m.encode() not in clear] == []
        state = await case.state()
        assert [g.title for g in state.job_goals] == [GOAL]
        assert list(state.restrictions) == RESTRICTIONS
        # Without them, a query's answer cannot even be read.
        with pytest.raises(Exception, match=r"encrypted|decode|JSON|encoding"):
            await plain_client(h.client).get_workflow_handle(wid).query(CaseWorkflow.state)


def _payloads(history: WorkflowHistory) -> list[Payload]:
    """Every payload in a history's events, found by walking the protobuf messages, except
    search attributes: they are plain by design (and pseudonymous; see the raw check)."""
    found: list[Payload] = []

    def walk(message: Message) -> None:
        if isinstance(message, SearchAttributes):
            return
        if isinstance(message, MarkerRecordedEventAttributes):
            # The SDK's own bookkeeping is plain: a local activity's sequence, attempt and
            # type under "data" (its result is under "result", encrypted), and a patch
            # marker's id under "patch-data" (a name from workflows/case.py).
            plain = {"data", "patch-data"}
            for key, payloads in message.details.items():
                found.extend(payloads.payloads if key not in plain else [])
            return
        if isinstance(message, Payload):
            found.append(message)
            return
        for _, value in message.ListFields():
            for item in _children(value):
                walk(item)

    for event in history.events:
        walk(event)
    return found


def _children(value: Any) -> list[Message]:
    """The messages in a field's value: itself, a repeated field's items, a map's values."""
    if isinstance(value, Message):
        return [value]
    if isinstance(value, str | bytes | int | float):
        return []
    items = value.values() if hasattr(value, "values") else value
    return [item for item in items if isinstance(item, Message)]


async def test_key_rotation_mid_case(dev_env: WorkflowEnvironment, clean_db: str) -> None:
    # On the real server: the time-skipping one would lock its clock on the case's timers
    # while no worker polls between the two rings.
    old = generate("2026-old")
    new = old.with_new_key("2026-new")
    assert new.current_id == "2026-new"
    case_id = new_case_id()
    pool = await create_pool(clean_db)
    queue = f"test-{uuid.uuid4().hex}"
    try:
        for ring, kinds in [(old, ["case_opened"]), (new, ["job_goal_talk_held"])]:
            client = plain_client(dev_env.client, data_converter(ring))
            async with create_worker(client, queue, pool, DEFAULT_POLICY):
                for kind in kinds:
                    event = build_event(case_id, f"{case_id}-{kind}", kind, datetime.now(CPH))
                    assert (await send(client, queue, event)).outcome == "accepted"
        history = (
            await plain_client(dev_env.client)
            .get_workflow_handle(workflow_id(case_id))
            .fetch_history()
        )
        used = {p.metadata[KEY_ID].decode() for p in _payloads(history)}
        assert used == {"2026-old", "2026-new"}
        # The rotated ring reads both; a ring without the old key cannot read the old ones.
        decoded = await EncryptionCodec(new).decode(_payloads(history))
        assert not [p for p in decoded if p.metadata.get("encoding") == ENCODING]
        only_new = KeyRing(new.keys[1:])
        with pytest.raises(UndecryptablePayload, match="2026-old"):
            await EncryptionCodec(only_new).decode(_payloads(history))
        # And the whole history replays under the rotated keys.
        result = await _replayer(data_converter(new)).replay_workflow(history)
        assert result.replay_failure is None
    finally:
        await _terminate(dev_env.client, workflow_id(case_id))
        await pool.close()


async def _terminate(client: Client, wid: str) -> None:
    with contextlib.suppress(Exception):
        await client.get_workflow_handle(wid).terminate(reason="test finished")


def _replayer(converter: DataConverter) -> Replayer:
    return Replayer(
        workflows=[CaseWorkflow],
        data_converter=converter,
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
        ),
    )


@pytest.mark.parametrize("path", history_files(), ids=lambda p: p.stem)
async def test_histories_recorded_in_clear_replay_on_the_encrypting_worker(path: Path) -> None:
    # Running cases started before encryption carry plain payloads: the codec lets them by.
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    history = WorkflowHistory.from_json(f"case-{path.stem}", text)
    result = await _replayer(CONVERTER).replay_workflow(history)
    assert result.replay_failure is None


@pytest.mark.skipif(DEV_KEY_FILE.exists(), reason="a local dev key file is present")
@pytest.mark.parametrize(
    "command",
    [["worker.py"], ["starter.py", "status", "K-2026-nokey"], ["-m", "doors.http"]],
    ids=["worker", "starter", "http_door"],
)
def test_entry_points_refuse_to_start_without_a_key(command: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAPPEBRO_PAYLOAD")}
    env.update(
        DATABASE_URL="postgresql://nobody@/none",
        TRAPPEBRO_DOOR_TOKENS="cs:0123456789abcdef0123",
        TEMPORAL_ADDRESS="127.0.0.1:1",
    )
    result = subprocess.run(
        [sys.executable, *command], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "no payload encryption key" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(DEV_KEY_FILE.exists(), reason="a local dev key file is present")
async def test_registering_search_attributes_needs_no_key(dev_env: WorkflowEnvironment) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRAPPEBRO_PAYLOAD")}
    env["TEMPORAL_ADDRESS"] = dev_env.client.service_client.config.target_host
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "deploy/register_search_attributes.py", cwd=REPO_ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().startswith("nothing to add")
