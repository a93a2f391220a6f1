"""The worker of one throughput phase (bench/throughput.py), as a subprocess of the
benchmark: the case worker as composition builds it, or the minimal workflow's.

  python -m testkit.rig.phase_worker case --ready FILE [--profile-out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import (
    SandboxedWorkflowRunner,
    SandboxRestrictions,
)

from activities.db import create_pool
from composition import PASSTHROUGH, create_worker
from infrastructure.config import load_settings
from infrastructure.exit import run_main
from infrastructure.temporal import connect
from observability.logs import configure_logging
from testkit.rig.costs import ThreadProfiles
from testkit.rig.minimal import MinimalStore, MinimalWorkflow
from testkit.rig.stack import Child, LocalStack
from testkit.rig.tasks import until


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
        # The same runner and limits as composition gives the case worker.
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


async def start_worker(
    stack: LocalStack, kind: str, queue: str, profile: Path | None
) -> tuple[Child, Path]:
    ready = stack.folder / f"{kind}.ready"
    command = [sys.executable, "-m", "testkit.rig.phase_worker", kind, "--ready", str(ready)]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("case", "minimal"))
    parser.add_argument("--ready", type=Path, required=True, help="written once it serves")
    parser.add_argument("--profile-out", type=Path, help="cProfile summary of its threads")
    args = parser.parse_args()
    return asyncio.run(serve(args.kind, args.ready, args.profile_out))


if __name__ == "__main__":
    run_main(main)
