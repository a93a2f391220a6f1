"""The crash test scripts/crash_test.py runs (and the chaos and restart tests with other
defaults): a realistic batch through the real stack while faults are inflicted.

Starts a Temporal dev server on free ports, a real PostgreSQL (embedded in a temporary
folder, or DATABASE_URL) and `worker.py` as a subprocess (testkit/rig/stack.py); ingests a
generated batch (testkit/rig/generate.py) through `doors.ingest.ingest` and, while it is in
flight, inflicts the faults one after another at random moments: SIGKILL the worker and
start a new one; SIGTERM it, wait for its own clean exit and start a new one; stop
PostgreSQL for `--pg-stop` seconds and start it again; stop the dev
server and start it again on its database file; freeze the dev server (SIGSTOP, as a long
pause or a suspended VM does) for `--server-pause` seconds, longer than the door's and the
worker's call timeouts, and let it go on (SIGCONT); SIGKILL the outbox relay and start it
again, stop the webhook receiver for `--receiver-down` seconds (testkit/rig/relay_chaos.py).
When every case has settled it checks the outcome case by case against the pure core's
offline expectation (testkit/rig/verify.py).

Prints the figures and PASS or FAIL (exit 1). Every child process is stopped on the way
out, on failure or Ctrl-C too.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg

from composition import GRACEFUL_SHUTDOWN
from doors.ingest import ingest
from infrastructure.policy_file import load_policy_book
from testkit.paths import REPO_ROOT
from testkit.rig import relay_chaos
from testkit.rig.expectation import replay
from testkit.rig.generate import generate
from testkit.rig.openings_check import check_openings, expected_openings, opening_lines
from testkit.rig.stack import POLICY, Child, LocalStack, local_stack
from testkit.rig.tasks import interruptible, until
from testkit.rig.verify import Run, check_database, check_workflows, print_result, settled

Fault = tuple[str, Callable[[], Awaitable[None]]]
# What Kubernetes gives the pod (deploy/k8s/deployment.yaml) before it sends SIGKILL.
GRACE = 60.0


async def inflict(run: Run, faults: list[Fault], rng: random.Random) -> None:
    """Each fault at a random point of the ingest, one after another, each once the batch
    has made progress since the one before (a fault that finds the ingest done still hits
    the cases while they settle)."""
    total, n = run.batch.events, len(faults)
    marks = sorted(rng.uniform(0.1 + 0.7 * i / n, 0.1 + 0.7 * (i + 1) / n) for i in range(n))
    for mark, (name, fault) in zip(marks, faults, strict=True):
        since = run.done
        while not run.ingest_finished and (run.done < mark * total or run.done == since):
            run.progressed.clear()
            await run.progressed.wait()
        await asyncio.sleep(rng.uniform(0, 0.1))
        run.in_flight[name] += not run.ingest_finished
        await fault()
        run.inflicted[name] += 1


def faults(run: Run, stack: LocalStack, worker: Child, start: Callable[[], Awaitable[None]],
           args: argparse.Namespace, rng: random.Random) -> list[Fault]:  # fmt: skip
    async def kill() -> None:
        run.killing = True
        run.restarted.clear()
        await worker.kill()
        await asyncio.sleep(rng.uniform(0.1, 1.5))
        await start()
        run.killing = False
        run.restarted.set()

    async def graceful_stop() -> None:
        # As Kubernetes stops a pod: SIGTERM, then the grace period; the worker must finish
        # its running tasks and exit 0 by itself, logging "worker stopped".
        run.killing = True
        run.restarted.clear()
        n = run.inflicted["worker SIGTERM"] + 1
        status, took = await worker.stop(GRACE)
        run.figures[f"stop {n}: exit status, seconds"] = f"{status}, {took:.1f}"
        run.check(status == 0, f"stop {n}: exit status {status}, not 0")
        run.check(took <= GRACEFUL_SHUTDOWN.total_seconds() + 5, f"stop {n} took {took:.0f}s")
        clean = worker.log.read_text(errors="replace").count('"worker stopped"')
        run.check(clean == n, f"stop {n}: no clean stop in the worker's log")
        await asyncio.sleep(rng.uniform(0.5, 1.5))
        await start()
        run.killing = False
        run.restarted.set()

    async def postgres_outage() -> None:
        began = time.monotonic()
        await asyncio.to_thread(stack.stop_postgres)
        await asyncio.sleep(args.pg_stop)
        await asyncio.to_thread(stack.start_postgres)
        run.downtime.setdefault("PostgreSQL stop", []).append(time.monotonic() - began)

    async def server_restart() -> None:
        down = await stack.restart_server()
        run.downtime.setdefault("Temporal restart", []).append(down)

    async def server_pause() -> None:
        down = await stack.pause_server(args.server_pause)
        run.downtime.setdefault("Temporal pause", []).append(down)

    chosen: list[Fault] = [("worker SIGKILL", kill)] * args.kills
    chosen += [("worker SIGTERM", graceful_stop)] * args.terms
    chosen += [("PostgreSQL stop", postgres_outage)] * (args.pg_stop > 0)
    chosen += [("Temporal restart", server_restart)] * args.server_restarts
    chosen += [("Temporal pause", server_pause)] * (args.server_pause > 0)
    rng.shuffle(chosen)
    return chosen


async def watchdog(run: Run, worker: Child) -> str:
    """Returns only when the worker exits without being killed: a crash of its own."""
    while True:
        proc = worker.proc
        assert proc is not None
        status = await proc.wait()
        if not run.killing:
            return f"worker exited by itself with status {status}"
        await run.restarted.wait()


async def crash_test(args: argparse.Namespace) -> Run:
    rng = random.Random(args.seed)
    policy = REPO_ROOT / POLICY
    batch = generate(args.cases, args.seed, policy_path=policy)
    run = Run(batch, replay(batch.lines, load_policy_book(policy), batch.now))
    queue = f"crash-{batch.case_ids[0].split('-')[1]}"
    started = time.monotonic()
    persist = args.server_restarts > 0
    async with local_stack(keep=args.keep, persist=persist) as (stack, client):
        worker = stack.child("worker")
        # INFO when stopping it gracefully: each clean stop logs "worker stopped".
        env = stack.worker_env(queue, **({"LOG_LEVEL": "INFO"} if args.terms else {}))

        async def start_worker() -> None:
            await worker.start(sys.executable, "worker.py", env=env)

        def progress(n: int) -> None:
            run.done += n
            run.progressed.set()

        await start_worker()
        # The outbox relay and its receiver, with their own faults (testkit/rig/relay_chaos.py).
        delivery = await relay_chaos.start(stack, queue) if relay_chaos.wanted(args) else None
        # The openings the cases propose to, before the batch: their hand-offs are checked.
        registrations = opening_lines(batch)
        opened = await ingest(client, queue, registrations, args.concurrency)
        run.check(opened.accepted == len(registrations), f"openings registered: {opened}")
        print(f"stack up in {time.monotonic() - started:.1f}s: temporal {stack.address}, "
              f"worker pid {worker.pid}; ingesting {batch.events} events of "
              f"{len(batch.case_ids)} cases", flush=True)  # fmt: skip
        sent = time.monotonic()
        plan = faults(run, stack, worker, start_worker, args, rng)
        if delivery is not None:
            plan += relay_chaos.faults(run, delivery, args, rng)
            rng.shuffle(plan)
        print("faults, in order: " + ", ".join(name for name, _ in plan), flush=True)
        chaos = asyncio.create_task(inflict(run, plan, rng))
        guard = asyncio.create_task(watchdog(run, worker))
        sending = asyncio.create_task(
            ingest(client, queue, batch.lines, args.concurrency, progress)
        )
        try:
            await asyncio.wait({sending, guard}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            run.ingest_finished = True
            run.progressed.set()
            for task in (sending, guard, chaos):
                if not task.done() and (task is not chaos or guard.done()):
                    task.cancel()
        if not sending.done() or sending.cancelled():
            run.failures.append(guard.result())
            print(f"--- worker log (last lines) ---\n{worker.tail()}", file=sys.stderr)
            return run
        run.report = sending.result()
        await chaos
        run.figures["ingest time (s)"] = round(time.monotonic() - sent, 1)
        conn = await asyncpg.connect(stack.database_url)
        try:
            quiet = await until(lambda: settled(client, conn, run), args.settle_timeout, 2.0)
            run.figures["settle time (s)"] = round(time.monotonic() - sent, 1)
            run.check(quiet, f"cases did not settle in {args.settle_timeout:.0f}s")
            await check_database(conn, run)
            if delivery is not None:
                await relay_chaos.check(conn, run, delivery, args.settle_timeout)
        finally:
            await conn.close()
        book = load_policy_book(policy)
        want = expected_openings(batch, registrations, run.expected, book)
        differ, held = await check_openings(client, want, 60.0)
        run.figures["openings (case events on them)"] = f"{len(want)} ({held})"
        run.figures["openings differing from the core"] = len(differ)
        run.check(not differ, f"openings differ (got, core): {list(differ.items())[:2]}")
        await check_workflows(client, run)
        run.check(worker.running, "the worker is not running at the end")
        if run.failures:
            print(f"--- worker log (last lines) ---\n{worker.tail()}", file=sys.stderr)
    run.figures["wall time (s)"] = round(time.monotonic() - started, 1)
    return run


DEFAULTS: dict[str, Any] = {
    "cases": 200, "kills": 2, "terms": 0, "pg_stop": 0.0, "server_restarts": 0, "server_pause": 0.0,
    "settle_timeout": 240.0, "relay_kills": 0, "receiver_down": 0.0,
}  # fmt: skip


def parse_args(
    argv: Sequence[str] | None = None, defaults: dict[str, Any] = DEFAULTS, doc: str = __doc__
) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    add = parser.add_argument
    add("--cases", type=int, help=f"cases in the batch ({defaults['cases']})")
    add("--seed", type=int, default=None, help="random seed (default: random)")
    add("--kills", type=int, help=f"worker SIGKILLs ({defaults['kills']})")
    add("--terms", type=int, help=f"worker SIGTERMs, each waited for ({defaults['terms']})")
    add("--pg-stop", type=float, help=f"seconds PostgreSQL is down, 0: never "
        f"({defaults['pg_stop']:.0f})")  # fmt: skip
    add("--server-restarts", type=int, help=f"dev server restarts, on its database file "
        f"({defaults['server_restarts']})")  # fmt: skip
    add("--server-pause", type=float, help=f"seconds the dev server is frozen (SIGSTOP), "
        f"0: never ({defaults['server_pause']:.0f})")  # fmt: skip
    add("--relay-kills", type=int, help=f"outbox relay SIGKILLs ({defaults['relay_kills']})")
    add("--receiver-down", type=float, help=f"seconds the webhook receiver is down, 0: never "
        f"({defaults['receiver_down']:.0f})")  # fmt: skip
    add("--concurrency", type=int, default=16, help="cases sent at once (16)")
    add("--settle-timeout", type=float, help=f"seconds ({defaults['settle_timeout']:.0f})")
    add("--keep", action="store_true", help="keep the temporary folder (logs)")
    parser.set_defaults(**defaults)
    return parser.parse_args(argv)


async def main_async(args: argparse.Namespace) -> int:
    run = await interruptible(crash_test(args), "crash test")
    if run is None:
        return 130
    wanted = {"worker SIGKILL": args.kills, "worker SIGTERM": args.terms,
              "PostgreSQL stop": int(args.pg_stop > 0),
              "Temporal restart": args.server_restarts,
              "Temporal pause": int(args.server_pause > 0),
              "relay SIGKILL": args.relay_kills,
              "receiver down": int(args.receiver_down > 0)}  # fmt: skip
    for name, count in wanted.items():
        got = run.inflicted[name]
        run.check(got == count, f"{name}: {got} inflicted instead of {count}")
    run.check(run.report is not None and not run.report.unconfirmed, "unconfirmed events")
    if run.report is not None:
        run.check(run.report.accepted == run.expected.accepted, "accepted != core's count")
        run.check(run.report.duplicate == run.expected.outcomes["duplicate"], "duplicates differ")
        run.check(len(run.report.refused) == run.expected.outcomes["refused"], "refusals differ")
    print_result(run)
    return 1 if run.failures else 0


def main(args: argparse.Namespace | None = None) -> int:
    args = args or parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1_000_000)
    print(f"{Path(sys.argv[0]).stem.replace('_', ' ')}: seed {args.seed}, {args.cases} cases, "
          f"{args.kills} kills, {args.terms} stops, PostgreSQL down {args.pg_stop:.0f}s, "
          f"{args.server_restarts} dev server restart(s), dev server paused "
          f"{args.server_pause:.0f}s", flush=True)  # fmt: skip
    return asyncio.run(main_async(args))

