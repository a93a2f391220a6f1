"""Crash test: a realistic batch through the real stack while the worker is SIGKILLed.

  python scripts/crash_test.py                      # 200 cases, two kills
  python scripts/crash_test.py --cases 30 --seed 7  # smaller, reproducible

Starts a Temporal dev server on free ports, a real PostgreSQL (embedded in a temporary
folder, or DATABASE_URL) and `worker.py` as a subprocess; ingests a generated batch
(bench/generate.py) through `service.door.ingest` and, while it is in flight, kills the
worker with SIGKILL at a random moment, restarts it, and does so again. When every case has
settled it checks, against an expectation the pure core computes offline:

- every accepted event is in case_event exactly once, with the seq the core gives it, and
  the rows equal the accepted events the door reported;
- the outbox holds exactly the message keys the core produces (no more, no fewer);
- refusals and every case's projection (stage, owner, deadline, escalation) match too;
- every open case has an owner and a deadline;
- no workflow failed and no workflow task failed (histories scanned).

Prints the figures and PASS or FAIL (exit 1). Every child process is stopped on the way
out, on failure or Ctrl-C too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parent.parent
# bench/ and scripts/ are folders of scripts, not packages: they import each other by file
# name (as mypy maps them), with the repository root for the service's own packages.
for _folder in (REPO_ROOT / "bench", REPO_ROOT):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import asyncpg  # noqa: E402
from generate import Batch, Expectation, generate, replay  # noqa: E402
from temporalio.api.enums.v1 import EventType  # noqa: E402
from temporalio.client import Client, WorkflowExecutionStatus  # noqa: E402

from core.clock import next_wakeup  # noqa: E402
from core.policy import load_policy_book  # noqa: E402
from core.projection import project  # noqa: E402
from core.state import CaseState  # noqa: E402
from service.codec import data_converter  # noqa: E402
from service.devstack import free_port, search_attribute_flags  # noqa: E402
from service.door import IngestReport, ingest  # noqa: E402
from service.exit import run_main  # noqa: E402
from service.keys import KeyRing  # noqa: E402
from service.keys import generate as generate_keys  # noqa: E402
from service.postgres import EmbeddedPostgres, ensure_database, migrate, start_embedded  # noqa: E402
from workflows.messages import workflow_id  # noqa: E402

POLICY = "policies/default.toml"
T = TypeVar("T")


# --- a throwaway stack: dev server, PostgreSQL, worker processes ------------------------


def temporal_cli() -> str:
    found = shutil.which("temporal", path=f"{Path(sys.executable).parent}{os.pathsep}"
                         f"{os.environ.get('PATH', '')}")  # fmt: skip
    if found is None:
        raise RuntimeError("temporal CLI not found: pip install -e . installs it")
    return found


class Child:
    """A child process in its own session, with its output in a log file."""

    def __init__(self, name: str, log: Path) -> None:
        self.name, self.log = name, log
        self.proc: asyncio.subprocess.Process | None = None
        self._out: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self, *command: str, env: dict[str, str] | None = None) -> None:
        self._out = self.log.open("ab")
        self.proc = await asyncio.create_subprocess_exec(
            *command,
            cwd=REPO_ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=self._out,
            stderr=self._out,
            start_new_session=True,
        )

    async def kill(self) -> None:
        """SIGKILL, no warning: what an OOM kill or a lost node does to a worker."""
        if self.proc is not None and self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()
        self._close()

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, then SIGKILL to the whole session after `grace` seconds."""
        if self.proc is None:
            return
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), grace)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()
        self._close()

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None


@dataclass
class LocalStack:
    """Dev server and PostgreSQL in a temporary folder; `close` stops what was started."""

    folder: Path
    address: str = ""
    database_url: str = ""
    server: Child | None = None
    pg: EmbeddedPostgres | None = None
    children: list[Child] = field(default_factory=list)
    # A key ring of its own: the worker and this client encrypt payloads as in production.
    keys: KeyRing = field(default_factory=generate_keys)

    async def start(self) -> Client:
        port = free_port()
        self.address = f"127.0.0.1:{port}"
        self.server = Child("temporal", self.folder / "temporal.log")
        command = [temporal_cli(), "server", "start-dev", "--headless", "--ip", "127.0.0.1"]
        command += ["--port", str(port), "--log-level", "warn"]
        command += search_attribute_flags()
        await self.server.start(*command)
        url = os.environ.get("DATABASE_URL")
        if not url:
            self.pg = await asyncio.to_thread(start_embedded, self.folder / "pg")
            await ensure_database(self.pg.url("postgres"), "trappebro")
            url = self.pg.url("trappebro")
        self.database_url = url
        await migrate(url)
        return await self._connect()

    async def _connect(self, limit: float = 60.0) -> Client:
        deadline = time.monotonic() + limit
        while True:
            assert self.server is not None
            if not self.server.running:
                raise RuntimeError(f"temporal dev server exited:\n{self.server.tail()}")
            try:
                converter = data_converter(self.keys)
                return await Client.connect(self.address, data_converter=converter)
            except Exception:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.2)

    def worker_env(self, task_queue: str, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TEMPORAL_")}
        env.update(
            TEMPORAL_ADDRESS=self.address,
            TEMPORAL_NAMESPACE="default",
            DATABASE_URL=self.database_url,
            TRAPPEBRO_POLICY=POLICY,
            TRAPPEBRO_TASK_QUEUE=task_queue,
            LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            TRAPPEBRO_PAYLOAD_KEYS=",".join(self.keys.to_text().split()),
        )
        env.update(extra)
        return env

    def child(self, name: str) -> Child:
        child = Child(name, self.folder / f"{name}.log")
        self.children.append(child)
        return child

    async def close(self) -> None:
        for child in self.children:
            await child.stop()
        if self.server is not None:
            await self.server.stop()
        if self.pg is not None:
            await asyncio.to_thread(self.pg.stop)


@contextlib.asynccontextmanager
async def local_stack(keep: bool = False) -> AsyncIterator[tuple[LocalStack, Client]]:
    folder = Path(tempfile.mkdtemp(prefix="trappebro-stack-"))
    stack = LocalStack(folder)
    try:
        client = await stack.start()
        yield stack, client
    finally:
        await stack.close()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


async def until(check: Callable[[], Awaitable[bool]], limit: float, every: float = 1.0) -> bool:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(every)
    return True


async def gather_limited(n: int, jobs: list[Awaitable[T]]) -> list[T]:
    gate = asyncio.Semaphore(n)

    async def one(job: Awaitable[T]) -> T:
        async with gate:
            return await job

    return await asyncio.gather(*(one(j) for j in jobs))


# --- the crash test ----------------------------------------------------------------------


@dataclass
class Run:
    batch: Batch
    expected: Expectation
    report: IngestReport | None = None
    kills: int = 0
    kills_in_flight: int = 0
    done: int = 0
    ingest_finished: bool = False
    killing: bool = False
    restarted: asyncio.Event = field(default_factory=asyncio.Event)
    progressed: asyncio.Event = field(default_factory=asyncio.Event)
    failures: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.failures.append(what)


async def chaos(run: Run, worker: Child, start: Callable[[], Awaitable[None]],
                kills: int, rng: random.Random) -> None:  # fmt: skip
    """Kill the worker at random points of the ingest, each time once it has made progress
    since its (re)start, and start a new one a moment later."""
    total = run.batch.events
    marks = sorted(
        rng.uniform(0.1 + 0.7 * i / kills, 0.1 + 0.7 * (i + 1) / kills) for i in range(kills)
    )
    for mark in marks:
        since = run.done
        while not run.ingest_finished and (run.done < mark * total or run.done == since):
            run.progressed.clear()
            await run.progressed.wait()
        await asyncio.sleep(rng.uniform(0, 0.1))
        run.kills_in_flight += not run.ingest_finished
        run.killing = True
        run.restarted.clear()
        await worker.kill()
        run.kills += 1
        await asyncio.sleep(rng.uniform(0.1, 1.5))
        await start()
        run.killing = False
        run.restarted.set()


async def watchdog(run: Run, worker: Child) -> str:
    """Returns only when the worker exits without being killed: a crash of its own."""
    while True:
        proc = worker.proc
        assert proc is not None
        status = await proc.wait()
        if not run.killing:
            return f"worker exited by itself with status {status}"
        await run.restarted.wait()


async def settled(client: Client, conn: asyncpg.Connection, run: Run) -> bool:
    """Every case quiet: nothing running, the state persisted, no deadline already due."""
    now = datetime.now(UTC)
    rows = await conn.fetch(
        "SELECT case_id, version FROM case_projection WHERE case_id = ANY($1::text[])",
        run.batch.case_ids,
    )
    persisted = {r["case_id"]: r["version"] for r in rows}

    async def quiet(case_id: str) -> bool:
        handle = client.get_workflow_handle(workflow_id(case_id))
        described = await handle.describe()
        if described.raw_description.pending_activities:
            return False
        state = await handle.query("state", result_type=CaseState)
        if persisted.get(case_id) != state.version:
            return False
        if described.status == WorkflowExecutionStatus.COMPLETED:
            return True
        wake = next_wakeup(state)
        return described.status == WorkflowExecutionStatus.RUNNING and (wake is None or wake > now)

    answers = await gather_limited(16, [quiet(c) for c in run.batch.case_ids])
    run.figures["cases settled"] = sum(answers)
    return all(answers)


async def check_database(conn: asyncpg.Connection, run: Run) -> None:
    expected, cases = run.expected, run.batch.case_ids
    assert run.report is not None
    rows = await conn.fetch(
        "SELECT case_id, event_id, min(seq) AS seq, count(*) AS n FROM case_event "
        "WHERE case_id = ANY($1::text[]) GROUP BY case_id, event_id",
        cases,
    )
    logged = {(r["case_id"], r["event_id"]): r["seq"] for r in rows}
    total = sum(r["n"] for r in rows)
    run.figures["case_event rows"] = total
    run.check(all(r["n"] == 1 for r in rows), "an event is in case_event more than once")
    run.check(total == run.report.accepted, f"case_event rows {total} != accepted "
              f"{run.report.accepted}")  # fmt: skip
    _same(run, "case_event (case, event, seq)", set(logged.items()), set(expected.logged.items()))

    keys = {r["message_key"] for r in await conn.fetch(
        "SELECT message_key FROM outbox WHERE case_id = ANY($1::text[])", cases)}  # fmt: skip
    run.figures["outbox messages"] = len(keys)
    run.figures["outbox expected (pure core)"] = len(expected.outbox)
    _same(run, "outbox message keys", keys, expected.outbox)

    refusals = await conn.fetchval(
        "SELECT count(*) FROM refused_event WHERE case_id = ANY($1::text[])", cases
    )
    run.figures["refused_event rows"] = refusals
    run.check(refusals == expected.refusals, f"refused_event rows {refusals} != "
              f"{expected.refusals} expected")  # fmt: skip

    projections = {r["case_id"]: r for r in await conn.fetch(
        "SELECT * FROM case_projection WHERE case_id = ANY($1::text[])", cases)}  # fmt: skip
    run.check(len(projections) == len(cases), f"{len(cases) - len(projections)} cases lack "
              "a projection")  # fmt: skip
    differ = []
    for case_id, state in expected.states.items():
        want, row = project(state), projections.get(case_id)
        fields = ("stage", "owner", "deadline", "escalation_level", "stalled", "version")
        if row is None or any(row[f] != getattr(want, f) for f in fields):
            differ.append(case_id)
    run.check(not differ, f"{len(differ)} projections differ from the core's, e.g. {differ[:3]}")
    open_rows = [r for r in projections.values() if r["stage"] != "CLOSED"]
    parked = [r["case_id"] for r in open_rows if r["owner"] is None or r["deadline"] is None]
    run.figures["open cases"] = len(open_rows)
    run.check(not parked, f"open cases without owner or deadline: {parked[:5]}")


def _same(run: Run, what: str, actual: set[Any], expected: set[Any]) -> None:
    extra, missing = sorted(actual - expected), sorted(expected - actual)
    run.check(not extra and not missing, f"{what}: {len(extra)} unexpected, e.g. {extra[:3]}; "
              f"{len(missing)} missing, e.g. {missing[:3]}")  # fmt: skip


async def check_workflows(client: Client, run: Run) -> None:
    failed = (await client.count_workflows('ExecutionStatus="Failed"')).count
    run.figures["workflows failed"] = failed
    run.check(failed == 0, f"{failed} workflows failed")
    closed = sum(s.closed for s in run.expected.states.values())
    completed = 0

    async def all_completed() -> bool:  # visibility follows the histories closely, not at once
        nonlocal completed
        completed = (await client.count_workflows('ExecutionStatus="Completed"')).count
        return completed == closed

    await until(all_completed, 15, 0.5)
    run.figures["workflows completed (closed cases)"] = completed
    run.check(completed == closed, f"{completed} workflows completed, {closed} cases closed")

    async def history(case_id: str) -> Counter[str]:
        events = Counter[str]()
        handle = client.get_workflow_handle(workflow_id(case_id))
        async for event in handle.fetch_history_events():
            events[EventType.Name(event.event_type)] += 1
            if event.HasField("activity_task_started_event_attributes"):
                attempt = event.activity_task_started_event_attributes.attempt
                events["activity retries"] += attempt > 1
        return events

    totals = Counter[str]()
    for counts in await gather_limited(16, [history(c) for c in run.batch.case_ids]):
        totals += counts
    for name, label in (
        ("EVENT_TYPE_WORKFLOW_TASK_FAILED", "workflow tasks failed"),
        ("EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT", "workflow tasks timed out (kills)"),
        ("activity retries", "activity attempts retried"),
    ):
        run.figures[label] = totals[name]
    run.check(totals["EVENT_TYPE_WORKFLOW_TASK_FAILED"] == 0, "a workflow task failed")


# What disturbs the worker while the batch is in flight: given the run, the worker and a
# way to start a new one. The crash test kills it; scripts/restart_test.py stops it.
Disturb = Callable[[Run, Child, Callable[[], Awaitable[None]]], Coroutine[Any, Any, None]]


async def crash_test(args: argparse.Namespace) -> Run:
    rng = random.Random(args.seed)

    async def kill(run: Run, worker: Child, start: Callable[[], Awaitable[None]]) -> None:
        await chaos(run, worker, start, args.kills, rng)

    return await batch_under(args, "crash", kill)


async def batch_under(
    args: argparse.Namespace, name: str, disturb: Disturb, **worker_env: str
) -> Run:
    """Ingest a generated batch through a throwaway stack while `disturb` runs, then wait
    for the cases to settle and check the database and the histories against the core."""
    policy = REPO_ROOT / POLICY
    batch = generate(args.cases, args.seed, policy_path=policy)
    run = Run(batch, replay(batch.lines, load_policy_book(policy), batch.now))
    queue = f"{name}-{batch.case_ids[0].split('-')[1]}"
    started = time.monotonic()
    async with local_stack(keep=args.keep) as (stack, client):
        worker = stack.child("worker")
        env = stack.worker_env(queue, **worker_env)

        async def start_worker() -> None:
            await worker.start(sys.executable, "worker.py", env=env)

        def progress(n: int) -> None:
            run.done += n
            run.progressed.set()

        await start_worker()
        print(f"stack up in {time.monotonic() - started:.1f}s: temporal {stack.address}, "
              f"worker pid {worker.pid}; ingesting {batch.events} events of "
              f"{len(batch.case_ids)} cases", flush=True)  # fmt: skip
        sent = time.monotonic()
        killer = asyncio.create_task(disturb(run, worker, start_worker))
        guard = asyncio.create_task(watchdog(run, worker))
        sending = asyncio.create_task(
            ingest(client, queue, batch.lines, args.concurrency, progress)
        )
        try:
            await asyncio.wait({sending, guard}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            run.ingest_finished = True
            run.progressed.set()
            for task in (sending, guard, killer):
                if not task.done() and (task is not killer or guard.done()):
                    task.cancel()
        if not sending.done() or sending.cancelled():
            run.failures.append(guard.result())
            print(f"--- worker log (last lines) ---\n{worker.tail()}", file=sys.stderr)
            return run
        run.report = sending.result()
        await killer
        run.figures["ingest time (s)"] = round(time.monotonic() - sent, 1)
        conn = await asyncpg.connect(stack.database_url)
        try:
            quiet = await until(lambda: settled(client, conn, run), args.settle_timeout, 2.0)
            run.figures["settle time (s)"] = round(time.monotonic() - sent, 1)
            run.check(quiet, f"cases did not settle in {args.settle_timeout:.0f}s")
            await check_database(conn, run)
        finally:
            await conn.close()
        await check_workflows(client, run)
        if run.failures:
            print(f"--- worker log (last lines) ---\n{worker.tail()}", file=sys.stderr)
    run.figures["wall time (s)"] = round(time.monotonic() - started, 1)
    return run


def print_result(run: Run) -> None:
    report, expected = run.report, run.expected
    if report is None:
        for failure in run.failures:
            print(f"FAIL: {failure}")
        print("FAIL", flush=True)
        return
    rows: list[tuple[str, Any]] = [
        ("cases", len(run.batch.case_ids)),
        ("events sent", run.batch.events),
        ("accepted (door)", f"{report.accepted} (core expects {expected.accepted})"),
        (
            "duplicates (door)",
            f"{report.duplicate} (core expects {expected.outcomes['duplicate']})",
        ),
        ("refused (door)", f"{len(report.refused)} (core expects {expected.outcomes['refused']})"),
        ("unconfirmed", len(report.unconfirmed)),
        ("worker kills (SIGKILL)", f"{run.kills} ({run.kills_in_flight} during the ingest)"),
        *run.figures.items(),
    ]
    for label, value in rows:
        print(f"  {label:<38} {value}")
    for failure in run.failures:
        print(f"FAIL: {failure}")
    print("FAIL" if run.failures else "PASS", flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200, help="cases in the batch (200)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--kills", type=int, default=2, help="worker SIGKILLs (2)")
    parser.add_argument("--concurrency", type=int, default=16, help="cases sent at once (16)")
    parser.add_argument("--settle-timeout", type=float, default=240.0, help="seconds (240)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    return parser.parse_args()


async def interruptible(work: Awaitable[T], what: str) -> T | None:
    """Await `work`; SIGTERM (a test runner's timeout) or Ctrl-C cancels it, and the
    cancellation stops the children on its way out. None when interrupted."""
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        return await work
    except asyncio.CancelledError:
        print(f"{what} interrupted; children stopped", file=sys.stderr)
        return None


async def main_async(args: argparse.Namespace) -> int:
    run = await interruptible(crash_test(args), "crash test")
    if run is None:
        return 130
    run.check(run.kills == args.kills, f"{run.kills} kills instead of {args.kills}")
    run.check(run.report is not None and not run.report.unconfirmed, "unconfirmed events")
    if run.report is not None:
        run.check(run.report.accepted == run.expected.accepted, "accepted != core's count")
        run.check(run.report.duplicate == run.expected.outcomes["duplicate"], "duplicates differ")
        run.check(len(run.report.refused) == run.expected.outcomes["refused"], "refusals differ")
    print_result(run)
    return 1 if run.failures else 0


def main() -> int:
    args = parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1_000_000)
    print(f"crash test: seed {args.seed}, {args.cases} cases, {args.kills} kills", flush=True)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    run_main(main)
