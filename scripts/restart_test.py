"""Restart test: the worker gets SIGTERM (a deploy, a node drain) while a batch is in flight.

  python scripts/restart_test.py                     # 60 cases, two restarts
  python scripts/restart_test.py --cases 24 --seed 7

The same throwaway stack and checks as scripts/crash_test.py (dev server, PostgreSQL,
worker.py, a generated batch, the pure core's expectation), but the worker is stopped the
way Kubernetes stops it: SIGTERM, then it has its grace period. Each time it must exit by
itself with status 0 within the grace period, having finished its running tasks ("worker
stopped" in its log); a new worker starts a moment later. Then, when the cases settle:
every accepted event in case_event exactly once, the outbox exactly as the core says, no
workflow failed and no workflow task failed. Workflow tasks the stopped worker had cached
(sticky) time out and go to the next worker: that is the hand-back, and it is counted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
for _folder in (REPO_ROOT / "scripts", REPO_ROOT / "bench", REPO_ROOT):
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

from crash_test import Child, Run, batch_under, interruptible  # noqa: E402

from service.exit import run_main  # noqa: E402
from service.wiring import GRACEFUL_SHUTDOWN  # noqa: E402

# What Kubernetes gives the pod (deploy/k8s/deployment.yaml) before it sends SIGKILL.
GRACE = 60.0


async def stop_and_restart(
    run: Run, worker: Child, start: Callable[[], Awaitable[None]], stops: int, rng: random.Random
) -> None:
    """SIGTERM the worker at points spread over the ingest, wait for its own exit, restart."""
    total = run.batch.events
    for i in range(stops):
        mark = 0.15 + 0.6 * (i + rng.random()) / stops
        since = run.done
        while not run.ingest_finished and (run.done < mark * total or run.done == since):
            run.progressed.clear()
            await run.progressed.wait()
        run.kills_in_flight += not run.ingest_finished
        run.killing = True
        run.restarted.clear()
        assert worker.proc is not None
        stopped_at = time.monotonic()
        worker.proc.terminate()
        try:
            status = await asyncio.wait_for(worker.proc.wait(), GRACE)
        except TimeoutError:
            run.failures.append(f"stop {i + 1}: the worker did not exit within {GRACE:.0f}s")
            await worker.kill()
            status = None
        took = time.monotonic() - stopped_at
        run.figures[f"stop {i + 1}: exit status, seconds"] = f"{status}, {took:.1f}"
        run.check(status == 0, f"stop {i + 1}: exit status {status}, not 0")
        run.check(took <= GRACEFUL_SHUTDOWN.total_seconds() + 5, f"stop {i + 1} took {took:.0f}s")
        clean = worker.log.read_text(errors="replace").count('"worker stopped"')
        run.check(clean == i + 1, f"stop {i + 1}: no clean stop in the worker's log")
        await worker.stop()
        run.kills += 1
        await asyncio.sleep(rng.uniform(0.5, 1.5))
        await start()
        run.killing = False
        run.restarted.set()


async def restart_test(args: argparse.Namespace) -> Run:
    rng = random.Random(args.seed)

    async def stop(run: Run, worker: Child, start: Callable[[], Awaitable[None]]) -> None:
        await stop_and_restart(run, worker, start, args.stops, rng)

    # INFO: each clean stop logs "worker stopped", which the stops count.
    return await batch_under(args, "restart", stop, LOG_LEVEL="INFO")


def print_result(run: Run) -> None:
    report = run.report
    rows: list[tuple[str, object]] = [("cases", len(run.batch.case_ids))]
    rows.append(("events sent", run.batch.events))
    if report is not None:
        rows += [("accepted (door)", f"{report.accepted} (core expects {run.expected.accepted})")]
        rows += [("unconfirmed", len(report.unconfirmed))]
    rows += [("worker stops (SIGTERM)", f"{run.kills} ({run.kills_in_flight} during the ingest)")]
    for label, value in [*rows, *run.figures.items()]:
        print(f"  {label:<40} {value}")
    for failure in run.failures:
        print(f"FAIL: {failure}")
    print("FAIL" if run.failures else "PASS", flush=True)


async def main_async(args: argparse.Namespace) -> int:
    run = await interruptible(restart_test(args), "restart test")
    if run is None:
        return 130
    run.check(run.kills == args.stops, f"{run.kills} stops instead of {args.stops}")
    run.check(run.report is not None and not run.report.unconfirmed, "unconfirmed events")
    if run.report is not None:
        run.check(run.report.accepted == run.expected.accepted, "accepted != core's count")
    print_result(run)
    return 1 if run.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=60, help="cases in the batch (60)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    parser.add_argument("--stops", type=int, default=2, help="worker SIGTERMs (2)")
    parser.add_argument("--concurrency", type=int, default=8, help="cases sent at once (8)")
    parser.add_argument("--settle-timeout", type=float, default=240.0, help="seconds (240)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1_000_000)
    print(f"restart test: seed {args.seed}, {args.cases} cases, {args.stops} stops", flush=True)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    run_main(main)
