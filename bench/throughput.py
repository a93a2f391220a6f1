"""Throughput: the case service end to end against a minimal Temporal workflow, same machine.

  python bench/throughput.py                    # 300 cases (~1,600 events), concurrency 16
  python bench/throughput.py --cases 100 --json
  python bench/throughput.py --profile          # also cProfile the workers (slows them)

One run starts a Temporal dev server (free ports), a real PostgreSQL (embedded in a temporary
folder, or DATABASE_URL) and, per phase, a worker as a SUBPROCESS of this script (built by
`service.wiring.create_worker`, as worker.py builds it), then measures:

(a) case events per second end to end: a generated batch (bench/generate.py) sent with
    `service.door.ingest` (signal-with-start and a receipt per event, `--concurrency` cases
    in flight), timed from the start of the ingest until case_event holds every accepted
    event (written in the same transaction as case_projection);
(b) the baseline (bench/minimal.py): as many minimal workflows as (a) sent lines, each
    signal-with-start, one activity writing one row through an asyncpg pool, a 1 s timer;
    `--concurrency` senders; timed from the first send until every row is written.

Prints both rates, their ratio (PASS when at least 0.8, else FAIL and exit 1), and where the
time goes: CPU seconds per event of each process (worker, Temporal server, PostgreSQL, this
client), and per event the workflow tasks, activities, signals, updates and history events,
from a sample of the histories.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
# bench/ and scripts/ are folders of scripts, not packages: they import each other by file
# name (as mypy maps them), with the repository root for the service's own packages.
for _folder in (REPO_ROOT / "scripts", REPO_ROOT / "bench", REPO_ROOT):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

import asyncpg  # noqa: E402
from generate import generate, run_tag  # noqa: E402
from minimal import CREATE_TABLE, SIGNAL, TABLE, Hit, MinimalStore, MinimalWorkflow  # noqa: E402
from stack import Child, LocalStack, gather_limited, interruptible, local_stack, until  # noqa: E402
from temporalio.api.enums.v1 import EventType  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.worker import Worker  # noqa: E402
from temporalio.worker.workflow_sandbox import (  # noqa: E402
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)

from activities.db import create_pool  # noqa: E402
from service.config import load_settings  # noqa: E402
from service.door import IngestReport, ingest  # noqa: E402
from service.exit import run_main  # noqa: E402
from service.logs import configure_logging  # noqa: E402
from service.temporal import connect  # noqa: E402
from service.wiring import PASSTHROUGH, create_worker  # noqa: E402
from workflows.messages import workflow_id  # noqa: E402

HISTORY_SAMPLE = 40
AIM = 0.8  # case events per second over minimal workflows per second
TICKS = os.sysconf("SC_CLK_TCK")


# --- the workers (run as subprocesses of the benchmark) ---------------------------------


async def serve(kind: str, ready: Path, profile: Path | None) -> int:
    """A worker for one phase until SIGTERM; with `profile`, cProfile all its threads."""
    settings = load_settings()
    configure_logging(settings.log_level)
    assert settings.database_url is not None
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    pool = await create_pool(settings.database_url, settings.db_pool_max)
    client = await connect(settings)
    if kind == "case":
        worker = create_worker(client, settings.task_queue, pool, settings.policy_path)
    else:
        # The same runner and limits as service.wiring gives the case worker.
        worker = Worker(
            client,
            task_queue=settings.task_queue,
            workflows=[MinimalWorkflow],
            activities=[MinimalStore(pool).write_row],
            workflow_runner=SandboxedWorkflowRunner(
                restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
            ),
            max_concurrent_activities=50,
        )
    profiles = ThreadProfiles()
    if profile:
        profiles.start()
    async with worker:
        await asyncio.to_thread(ready.write_text, "ready")
        await stop.wait()
    if profile:
        await asyncio.to_thread(profile.write_text, json.dumps(profiles.summary()))
    await pool.close()
    return 0


class ThreadProfiles:
    """cProfile for every thread of the worker: the event loop, and the pool threads where
    the SDK runs workflow activations (a plain cProfile sees only the thread it starts in)."""

    def __init__(self) -> None:
        self._profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.setprofile(self._bootstrap)  # threads started from now on
        self._add().enable()

    def _add(self) -> cProfile.Profile:
        profile = cProfile.Profile()
        with self._lock:
            self._profiles.append(profile)
        return profile

    def _bootstrap(self, frame: FrameType, event: str, arg: Any) -> None:
        # The first call in a new thread: profile it from here (replaces this hook there).
        self._add().enable()

    def summary(self, top: int = 12) -> dict[str, Any]:
        """Own CPU time by package, and the functions that take most of it."""
        threading.setprofile(None)
        with self._lock:
            profiles = list(self._profiles)
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
        by_package: Counter[str] = Counter()
        functions: Counter[str] = Counter()
        for (filename, line, name), (_, _, own, _, _) in raw.items():
            if _waiting(filename, name):
                continue
            by_package[_package(filename, name)] += own
            functions[f"{_short(filename)}:{line}({name})"] += own
        total = sum(by_package.values()) or 1.0
        return {
            "threads profiled": len(profiles),
            "own time (s, waiting excluded)": round(total, 2),
            "own time by package (%)": {
                k: round(100 * v / total, 1) for k, v in by_package.most_common(10)
            },
            "top functions (% of own time)": {
                k: round(100 * v / total, 1) for k, v in functions.most_common(top)
            },
        }


def _waiting(filename: str, name: str) -> bool:
    """Time blocked, not working: the event loop's select, pool threads' idle waits."""
    return name in (
        "<method 'poll' of 'select.epoll' objects>",
        "<method 'acquire' of '_thread.lock' objects>",
        "<method 'get' of '_queue.SimpleQueue' objects>",
    )


async def start_worker(
    stack: LocalStack, kind: str, queue: str, profile: Path | None
) -> tuple[Child, Path]:
    ready = stack.folder / f"{kind}.ready"
    command = [sys.executable, str(Path(__file__)), "--serve", kind, "--ready", str(ready)]
    if profile:
        command += ["--profile-out", str(profile)]
    worker = stack.child(f"worker-{kind}")
    await worker.start(*command, env=stack.worker_env(queue))

    async def up() -> bool:
        if not worker.running:
            raise RuntimeError(f"{kind} worker exited:\n{worker.tail()}")
        return ready.exists()

    if not await until(up, 60, 0.1):
        raise RuntimeError(f"{kind} worker not ready in 60s")
    return worker, ready


# --- where the time goes ----------------------------------------------------------------


def _stat(pid: int) -> list[str]:
    # Fields after the command name, which may hold spaces: state is [0], ppid [1].
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int | None, with_children: bool = False) -> float | None:
    """User + system CPU of a process (and, for a server like PostgreSQL, of its children,
    live or exited) in seconds; None when it is not ours to see."""
    if pid is None:
        return None
    try:
        fields = _stat(pid)
    except OSError:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if with_children:
        ticks += int(fields[13]) + int(fields[14])  # children already reaped
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                child = _stat(int(entry.name))
            except OSError:
                continue
            if int(child[1]) == pid:
                ticks += int(child[11]) + int(child[12])
    return ticks / TICKS


@dataclass
class CpuMeter:
    worker: int
    server: int
    postgres: int | None

    def read(self) -> dict[str, float | None]:
        return {
            "worker": cpu_seconds(self.worker),
            "temporal server": cpu_seconds(self.server),
            "postgresql": cpu_seconds(self.postgres, with_children=True),
            "client (this process)": time.process_time(),
        }


def cpu_per_unit(before: dict[str, float | None], after: dict[str, float | None],
                 units: int) -> dict[str, float | None]:  # fmt: skip
    """Milliseconds of CPU per unit of work, per process."""
    out: dict[str, float | None] = {}
    for name, start in before.items():
        end = after[name]
        out[name] = None if start is None or end is None else round(1000 * (end - start) / units, 2)
    return out


async def history_counts(client: Client, ids: list[str], per: int) -> dict[str, float]:
    """Per unit of work (`per` units in these workflows): what the histories hold."""

    async def one(wid: str) -> Counter[str]:
        counts = Counter[str]()
        async for event in client.get_workflow_handle(wid).fetch_history_events():
            counts[EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")] += 1
            counts["history events"] += 1
        return counts

    total = Counter[str]()
    for counts in await gather_limited(16, [one(w) for w in ids]):
        total += counts
    shown = {
        "workflow tasks": total["WORKFLOW_TASK_COMPLETED"],
        "activities": total["ACTIVITY_TASK_SCHEDULED"],
        "local activities": total["MARKER_RECORDED"],
        "timers": total["TIMER_STARTED"],
        "signals": total["WORKFLOW_EXECUTION_SIGNALED"],
        "updates": total["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"],
        "search attribute upserts": total["UPSERT_WORKFLOW_SEARCH_ATTRIBUTES"]
        + total["WORKFLOW_PROPERTIES_MODIFIED"],
        "history events": total["history events"],
    }
    return {name: round(count / per, 2) for name, count in shown.items()}


def _package(filename: str, name: str) -> str:
    if filename == "~":  # C functions: name them by what they are
        return "C: " + name.split(" of ")[-1].strip("<>'").split("'")[0][:40]
    if filename.startswith("<"):
        return "import machinery / generated code"
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if filename.startswith(str(REPO_ROOT)):
        return "trappebro " + Path(filename).relative_to(REPO_ROOT).parts[0]
    return "stdlib " + Path(filename).stem


def _short(filename: str) -> str:
    for marker in ("site-packages/", f"{REPO_ROOT}/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --- the two phases -----------------------------------------------------------------------


async def rows(db: asyncpg.Pool, sql: str, *args: Any) -> Callable[[], Awaitable[int]]:
    """A row counter; each call borrows its own connection, since the sender's progress poll
    and the wait for the last row count at the same time (one connection refuses that)."""

    async def count() -> int:
        return int(await db.fetchval(sql, *args))

    return count


async def phase_cases(
    stack: LocalStack, client: Client, db: asyncpg.Pool, args: argparse.Namespace
) -> dict[str, Any]:
    tag = run_tag(random.Random(args.seed))
    queue = f"bench-case-{tag}"
    profile = stack.folder / "case-profile.json" if args.profile else None
    worker, _ = await start_worker(stack, "case", queue, profile)
    meter = CpuMeter(worker.pid, _server_pid(stack), stack.pg.pid if stack.pg else None)
    # A few cases first: the worker's first workflow runs import and warm caches.
    warm = generate(8, args.seed + 1, tag=tag + "w")
    await ingest(client, queue, warm.lines, args.concurrency)
    batch = generate(args.cases, args.seed, tag=tag)
    applied = await rows(
        db, "SELECT count(*) FROM case_event WHERE case_id LIKE $1", f"K-{tag}-%"
    )
    before = meter.read()
    started = time.monotonic()
    report: IngestReport = await ingest(client, queue, batch.lines, args.concurrency)
    ingested = time.monotonic() - started

    async def all_applied() -> bool:
        return await applied() >= report.accepted

    await until(all_applied, 120, 0.05)
    elapsed = time.monotonic() - started
    after = meter.read()
    await worker.stop(40)
    sample = [workflow_id(c) for c in batch.case_ids[:HISTORY_SAMPLE]]
    sampled = set(batch.case_ids[:HISTORY_SAMPLE])
    sample_lines = sum(json.loads(line)["case_id"] in sampled for line in batch.lines)
    result: dict[str, Any] = {
        "cases": len(batch.case_ids),
        "events sent": batch.events,
        "accepted": report.accepted,
        "duplicates": report.duplicate,
        "refused": len(report.refused),
        "unconfirmed": len(report.unconfirmed),
        "ingest returned after (s)": round(ingested, 2),
        "all applied after (s)": round(elapsed, 2),
        "events/s (sent)": round(batch.events / elapsed, 1),
        "events/s (accepted)": round(report.accepted / elapsed, 1),
        "CPU ms per event sent": cpu_per_unit(before, after, batch.events),
        "per event sent (history sample)": await history_counts(client, sample, sample_lines),
    }
    if profile and profile.exists():
        result["worker profile (cProfile, all threads)"] = json.loads(profile.read_text())
    return result


async def phase_minimal(
    stack: LocalStack, client: Client, db: asyncpg.Pool, args: argparse.Namespace,
    count: int, window: int,
) -> dict[str, Any]:  # fmt: skip
    tag = run_tag(random.Random(args.seed + 2))
    queue = f"bench-min-{tag}"
    profile = stack.folder / "minimal-profile.json" if args.profile else None
    worker, _ = await start_worker(stack, "minimal", queue, profile)
    meter = CpuMeter(worker.pid, _server_pid(stack), stack.pg.pid if stack.pg else None)
    await db.execute(CREATE_TABLE)
    await send_minimal(client, queue, f"w{tag}", 20, args.concurrency)
    written = await rows(db, f"SELECT count(*) FROM {TABLE} WHERE key LIKE $1", f"m{tag}-%")
    before = meter.read()
    started = time.monotonic()
    await send_minimal(client, queue, f"m{tag}", count, args.concurrency, window, written)
    sent = time.monotonic() - started

    async def all_written() -> bool:
        return await written() >= count

    await until(all_written, 120, 0.05)
    elapsed = time.monotonic() - started
    after = meter.read()

    async def all_completed() -> bool:
        query = f'WorkflowId STARTS_WITH "min-m{tag}-" AND ExecutionStatus="Completed"'
        return (await client.count_workflows(query)).count >= count

    await until(all_completed, 120, 0.2)
    completed = time.monotonic() - started
    await worker.stop(40)
    sample = [f"min-m{tag}-{i}" for i in range(min(HISTORY_SAMPLE, count))]
    result: dict[str, Any] = {
        "workflows": count,
        "in flight at most (signals not yet written)": window,
        "sends returned after (s)": round(sent, 2),
        "all rows written after (s)": round(elapsed, 2),
        "all completed after (s)": round(completed, 2),
        "workflows/s (row written)": round(count / elapsed, 1),
        "CPU ms per workflow": cpu_per_unit(before, after, count),
        "per workflow (history sample)": await history_counts(client, sample, len(sample)),
    }
    if profile and profile.exists():
        result["worker profile (cProfile, all threads)"] = json.loads(profile.read_text())
    return result


async def send_minimal(
    client: Client,
    queue: str,
    prefix: str,
    count: int,
    senders: int,
    window: int | None = None,
    written: Callable[[], Awaitable[int]] | None = None,
) -> None:
    """`count` workflows by signal-with-start from `senders` coroutines; with `window`, never
    more than that many sent whose row is not written yet (the door's kind of back-pressure:
    it holds a case until its events are applied)."""
    numbers = iter(range(count))
    progress = {"sent": 0, "written": 0}
    polled = asyncio.Event()

    async def poll() -> None:
        assert written is not None
        while True:
            progress["written"] = await written()
            polled.set()
            await asyncio.sleep(0.02)

    async def sender() -> None:
        for number in numbers:  # shared: each sender takes the next number
            while window and progress["sent"] - progress["written"] >= window:
                polled.clear()
                await polled.wait()
            progress["sent"] += 1
            await client.start_workflow(
                MinimalWorkflow.run,
                id=f"min-{prefix}-{number}",
                task_queue=queue,
                start_signal=SIGNAL,
                start_signal_args=[Hit(key=f"{prefix}-{number}", payload="x" * 200)],
            )

    poller = asyncio.create_task(poll()) if window and written else None
    try:
        await asyncio.gather(*(sender() for _ in range(senders)))
    finally:
        if poller:
            poller.cancel()


def _server_pid(stack: LocalStack) -> int:
    assert stack.server is not None
    return stack.server.pid


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    async with local_stack(keep=args.keep) as (stack, client):
        db = await asyncpg.create_pool(stack.database_url, min_size=1, max_size=4)
        try:
            cases = await phase_cases(stack, client, db, args)
            # As many signals in flight as the door allows: its cases times their events.
            window = round(args.concurrency * cases["events sent"] / cases["cases"])
            minimal = await phase_minimal(stack, client, db, args, cases["events sent"], window)
            await db.execute(f"DROP TABLE IF EXISTS {TABLE}")
        finally:
            await db.close()
    ratio = cases["events/s (sent)"] / minimal["workflows/s (row written)"]
    return {
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "worker": "subprocess per phase (service.wiring.create_worker for the cases)",
        "concurrency": args.concurrency,
        "profiled": bool(args.profile),
        "(a) case service": cases,
        "(b) minimal workflow": minimal,
        "ratio (a)/(b)": round(ratio, 2),
        "wall time (s)": round(time.monotonic() - started, 1),
    }


def print_human(result: dict[str, Any]) -> None:
    def show(value: Any, indent: int) -> None:
        for key, item in value.items():
            if isinstance(item, dict):
                print(f"{' ' * indent}{key}:")
                show(item, indent + 2)
            else:
                print(f"{' ' * indent}{key:<40} {item}")

    show(result, 0)
    a, b = result["(a) case service"], result["(b) minimal workflow"]
    print(
        f"\ncase events/s {a['events/s (sent)']} vs minimal workflows/s "
        f"{b['workflows/s (row written)']}: ratio {result['ratio (a)/(b)']} (aim >= {AIM})"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300, help="cases in the batch (300)")
    parser.add_argument("--concurrency", type=int, default=16, help="in flight (16)")
    parser.add_argument("--seed", type=int, default=1, help="batch seed (1)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--profile", action="store_true", help="cProfile the workers (slower)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--serve", choices=("case", "minimal"), help=argparse.SUPPRESS)
    parser.add_argument("--ready", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


async def main_async(args: argparse.Namespace) -> int:
    if args.serve:
        return await serve(args.serve, args.ready, args.profile_out)
    result = await interruptible(bench(args), "benchmark")
    if result is None:
        return 130
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print_human(result)
    ratio = result["ratio (a)/(b)"]
    if ratio < AIM:
        print(f"FAIL: ratio {ratio} < {AIM}")
    print("PASS" if ratio >= AIM else "FAIL", flush=True)
    return 0 if ratio >= AIM else 1


def main() -> int:
    return asyncio.run(main_async(parse_args()))


if __name__ == "__main__":
    run_main(main)
