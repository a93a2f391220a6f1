"""A real worker.py process with its metrics and health endpoints on free ports, for the
operations tests: it serves the dev server's queue of its own, with the session's keys."""

from __future__ import annotations

import asyncio
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from testkit.common import free_port, worker_process
from testkit.keys import keys_env


@dataclass
class WorkerProcess:
    proc: asyncio.subprocess.Process
    log: Path
    queue: str
    metrics_url: str
    health_url: str

    async def get(self, url: str) -> tuple[int, str]:
        def fetch() -> tuple[int, str]:
            try:
                with urllib.request.urlopen(url, timeout=5) as answer:
                    return answer.status, answer.read().decode()
            except urllib.error.HTTPError as err:
                return err.code, err.read().decode()

        return await asyncio.to_thread(fetch)

    async def metrics(self) -> str:
        status, text = await self.get(self.metrics_url)
        assert status == 200, text
        return text


def worker_env(dev_env: WorkflowEnvironment, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        **keys_env(),
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "TEMPORAL_NAMESPACE": dev_env.client.namespace,
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


@asynccontextmanager
async def running_worker(
    dev_env: WorkflowEnvironment, database_url: str, folder: Path, policy: Path
) -> AsyncIterator[WorkerProcess]:
    """worker.py until the block ends, then SIGTERM; it must stop cleanly (status 0)."""
    metrics, health = free_port(), free_port()
    queue = f"ops-{uuid.uuid4().hex}"
    env = worker_env(
        dev_env,
        database_url,
        TRAPPEBRO_TASK_QUEUE=queue,
        TRAPPEBRO_POLICY=str(policy),
        TRAPPEBRO_METRICS_ADDRESS=f"127.0.0.1:{metrics}",
        TRAPPEBRO_HEALTH_ADDRESS=f"127.0.0.1:{health}",
        TRAPPEBRO_METRICS_INTERVAL="0.5",
    )
    log = folder / "worker.log"
    async with worker_process(env, log) as proc:
        yield WorkerProcess(
            proc,
            log,
            queue,
            f"http://127.0.0.1:{metrics}/metrics",
            f"http://127.0.0.1:{health}",
        )
    assert proc.returncode == 0, log.read_text()
