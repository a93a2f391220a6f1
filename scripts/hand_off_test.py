"""Hand-off test: a proposal or placement the case accepted reaches its opening exactly once,
whatever happens to the door that sent it (issue "Nothing lost between workflows").

  python scripts/hand_off_test.py                 # freeze 20 s, door patience 5 s
  python scripts/hand_off_test.py --freeze 60 --patience 10

On a real dev server, PostgreSQL and `worker.py` (testkit/rig/stack.py), with an opening and a
case in MATCHING:
1. `starter.py ingest` sends `match_proposed`, is held still (SIGSTOP) the moment its
   signal is in the case's history, and SIGKILLed once the case has accepted it: it never
   sees its receipt. The opening must turn PROPOSED with the proposal once; sending the
   line again is a duplicate and still counts once.
2. The door sends `placement_started`; the moment the case has accepted it the dev server
   is frozen (SIGSTOP) for `--freeze` seconds, longer than the door's `--patience`, and the
   door gives up: once the server goes on, the opening must be FILLED by the case, once.

Prints the figures and PASS or FAIL (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from core.case.events import Event
from core.case.state import CaseState
from core.opening.state import OpeningState
from doors.ingest import confirm, deliver_any, send
from infrastructure.exit import run_main
from testkit.builders import build_event, new_case_id
from testkit.openings import opening_event
from testkit.rig.stack import Child, LocalStack, local_stack
from testkit.rig.tasks import interruptible, until
from workflows.case_payloads import workflow_id
from workflows.opening_payloads import opening_workflow_id

REPO_ROOT = Path(__file__).resolve().parent.parent

# The steps that bring a new case into MATCHING (as testkit.harness.reach does).
TO_MATCHING = (
    "case_opened", "job_goal_talk_held", "fit_for_work_declared", "cv_updated", "handover_accepted",
)  # fmt: skip
SETTLE = 60.0  # seconds an opening may take to hear of a case event


class Outcome:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.figures: dict[str, Any] = {}

    def check(self, ok: bool, failure: str) -> None:
        if not ok:
            self.failures.append(failure)


class World:
    """One case and one opening on the stack; events sent through the real door."""

    def __init__(self, stack: LocalStack, client: Client, queue: str) -> None:
        self.stack, self.client, self.queue = stack, client, queue
        self.case_id, self.opening_id = new_case_id(), new_case_id("O-2026")
        self.now = datetime.now(UTC) - timedelta(minutes=30)
        self._n = 0

    def case_event(self, kind: str, **data: Any) -> Event:
        self._n += 1
        self.now += timedelta(minutes=1)
        return build_event(self.case_id, f"h-{self._n}", kind, self.now, **data)

    async def case_state(self) -> CaseState:
        handle = self.client.get_workflow_handle(workflow_id(self.case_id))
        state: CaseState = await handle.query("state", result_type=CaseState)
        return state

    async def signals(self) -> int:
        """Signals in the case's history so far (0 before it exists)."""
        handle = self.client.get_workflow_handle(workflow_id(self.case_id))
        kind = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        return len([e async for e in handle.fetch_history_events() if e.event_type == kind])

    async def opening_state(self) -> OpeningState:
        handle = self.client.get_workflow_handle(opening_workflow_id(self.opening_id))
        state: OpeningState = await handle.query("state", result_type=OpeningState)
        return state

    async def prepare(self) -> None:
        registered = opening_event(self.opening_id, "reg-1", "opening_registered", self.now)
        assert (await send(self.client, self.queue, registered)).outcome == "accepted"
        for kind in TO_MATCHING:
            receipt = await send(self.client, self.queue, self.case_event(kind))
            assert receipt.outcome == "accepted", (kind, receipt)

    async def accepted(self, event: Event, limit: float) -> bool:
        async def seen() -> bool:
            return event.event_id in (await self.case_state()).seen

        return await until(seen, limit, 0.02)

    async def times_heard(self, kind: str) -> int:
        entries = (await self.opening_state()).timeline
        return sum(1 for e in entries if e.what.startswith(f"{kind} accepted"))


async def door_killed(world: World, out: Outcome, door: Child) -> None:
    """The CLI door SIGKILLed right after the case accepted its proposal."""
    proposal = world.case_event("match_proposed", opening_id=world.opening_id)
    line = Path(tempfile.mkdtemp(prefix="hand-off-")) / "proposal.jsonl"
    line.write_text(proposal.model_dump_json(exclude_none=True) + "\n", encoding="utf-8")
    signalled = await world.signals()
    await door.start(sys.executable, "starter.py", "ingest", str(line),
                     env=world.stack.worker_env(world.queue))  # fmt: skip

    async def sent() -> bool:
        return await world.signals() > signalled

    # Held still the moment its signal is in (before the case has applied it, so before any
    # receipt could reach it), then SIGKILLed once the case has accepted the proposal.
    await until(sent, SETTLE, 0.01)
    alive = door.running
    if alive:
        os.kill(door.pid, signal.SIGSTOP)
    took = await world.accepted(proposal, SETTLE)
    await door.kill()
    out.check(took, "the case never accepted the proposal")
    out.figures["door alive when killed"] = "yes" if alive else "no"
    out.check(alive, "the door had finished before the kill: nothing was tested")

    async def proposed() -> bool:
        state = await world.opening_state()
        return state.status == "PROPOSED" and state.proposals == (world.case_id,)

    out.check(await until(proposed, SETTLE, 0.5), "the opening never heard of the proposal")
    again = await send(world.client, world.queue, proposal)
    out.check(again.outcome == "duplicate", f"the proposal sent again: {again.outcome}")
    await asyncio.sleep(3)  # what a second hand-off would take to arrive
    heard = await world.times_heard("match_proposed")
    out.figures["proposal on the opening (times)"] = heard
    out.check(heard == 1, f"the opening heard of the proposal {heard} times")


async def server_frozen(world: World, out: Outcome, freeze: float, patience: float) -> None:
    """The dev server frozen longer than the door's patience as the case takes a placement."""
    placement = world.case_event("placement_started", opening_id=world.opening_id)
    handle, delivery_id = await deliver_any(world.client, world.queue, placement)
    assert handle is not None
    out.check(await world.accepted(placement, SETTLE), "the case never accepted the placement")
    frozen = asyncio.create_task(world.stack.pause_server(freeze))
    await asyncio.sleep(0.2)  # the SIGSTOP is sent before the door asks for its receipt
    # The door's receipt call hangs on the frozen server (cancelling it waits as long):
    # the door gives up on it after its patience, as a door process that exits would.
    door = asyncio.create_task(confirm(handle, delivery_id))
    done, _ = await asyncio.wait({door}, timeout=patience)
    gave_up = f"none (gave up after {patience:.0f}s)"
    out.figures["door's receipt"] = door.result().outcome if done else gave_up
    down = await frozen
    door.cancel()
    out.figures["dev server frozen (s)"] = round(down, 1)
    out.check(down > patience, "the freeze was not longer than the door's patience")

    async def filled() -> bool:
        state = await world.opening_state()
        return state.status == "FILLED" and state.placed_case_id == world.case_id

    out.check(await until(filled, SETTLE, 0.5), "the opening never heard of the placement")
    heard = await world.times_heard("placement_started")
    out.figures["placement on the opening (times)"] = heard
    out.check(heard == 1, f"the opening heard of the placement {heard} times")


async def hand_off_test(args: argparse.Namespace) -> Outcome:
    out = Outcome()
    queue = f"hand-off-{uuid.uuid4().hex[:8]}"
    async with local_stack(keep=args.keep) as (stack, client):
        worker = stack.child("worker")
        await worker.start(sys.executable, "worker.py", env=stack.worker_env(queue))
        world = World(stack, client, queue)
        await world.prepare()
        await door_killed(world, out, stack.child("door"))
        await server_frozen(world, out, args.freeze, args.patience)
        out.check(worker.running, "the worker is not running at the end")
        if out.failures:
            print(f"--- worker log (last lines) ---\n{worker.tail()}", file=sys.stderr)
    return out


async def main_async(args: argparse.Namespace) -> int:
    out = await interruptible(hand_off_test(args), "hand-off test")
    if out is None:
        return 130
    for label, value in out.figures.items():
        print(f"  {label:<36} {value}")
    for failure in out.failures:
        print(f"FAIL: {failure}")
    print("FAIL" if out.failures else "PASS", flush=True)
    return 1 if out.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--freeze", type=float, default=20.0, help="seconds frozen (20)")
    parser.add_argument("--patience", type=float, default=5.0, help="door's seconds (5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    run_main(main)
