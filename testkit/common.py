"""Helpers shared by the fixtures in conftest.py and the service tests."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from asyncio.subprocess import Process
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
from aiohttp import web

from devstack.parts import find_executable, free_port
from infrastructure.config import REPO_ROOT
from infrastructure.postgres import ensure_database, quote_ident, with_database

# The tables a test empties to start from nothing (the clean_db fixture, the report world).
CASE_TABLES = (
    "case_event",
    "case_projection",
    "outbox",
    "refused_event",
    "opening_event",
    "opening_projection",
    "match_suggestion",
)

__all__ = [
    "child_process",
    "create_database",
    "drop_database",
    "fetch_rows",
    "free_port",
    "require_executable",
    "run_python",
    "serving_on",
    "table_names",
    "wait_for_log",
]


def require_executable(name: str) -> str:
    """Path of a binary the project installs; fail clearly instead of letting the SDK
    try to download one (the tests run without network)."""
    path = find_executable(name)
    if path is None:
        raise RuntimeError(f"{name} not found: install the project with pip install -e '.[dev]'")
    return path


async def create_database(admin_url: str, prefix: str = "trappebro_test") -> str:
    """A new empty database with a random name on the server of ``admin_url``; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await ensure_database(admin_url, name)
    return with_database(admin_url, name)


async def drop_database(admin_url: str, url: str) -> None:
    name = unquote(urlsplit(url).path.lstrip("/"))
    conn = await asyncpg.connect(admin_url)
    try:
        # FORCE: a test that failed may have left a connection open.
        await conn.execute(f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")
    finally:
        await conn.close()


async def fetch_rows(url: str, query: str, *args: object) -> list[asyncpg.Record]:
    """The rows of one query, on a connection of its own."""
    conn = await asyncpg.connect(url)
    try:
        rows: list[asyncpg.Record] = await conn.fetch(query, *args)
    finally:
        await conn.close()
    return rows


async def table_names(url: str) -> set[str]:
    query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    return {row["table_name"] for row in await fetch_rows(url, query)}


async def wait_for_log(log: Path, text: str, proc: Process, limit: float = 20.0) -> None:
    """Until ``text`` shows in the log file of ``proc``; fails if it exits first."""
    deadline = asyncio.get_running_loop().time() + limit
    while text not in (seen := await asyncio.to_thread(log.read_text, errors="replace")):
        assert proc.returncode is None, seen
        assert asyncio.get_running_loop().time() < deadline, f"no {text!r} in {limit:.0f}s"
        await asyncio.sleep(0.1)


@asynccontextmanager
async def serving_on(app: web.Application, port: int) -> AsyncIterator[None]:
    """``app`` served on 127.0.0.1:``port`` while inside; stopped at once at the end."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield
    finally:
        await runner.cleanup()


@asynccontextmanager
async def child_process(
    args: Sequence[str], env: dict[str, str], log: Path, ready: str
) -> AsyncIterator[Process]:
    """`python *args` at the repository root with its output in ``log``, once it has logged
    ``ready``; SIGTERM when the block ends, waiting for its exit (then ``returncode``)."""
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *args, cwd=REPO_ROOT, env=env, stdout=out, stderr=out
        )
    try:
        await wait_for_log(log, ready, proc)
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 60)


def worker_process(env: dict[str, str], log: Path) -> AbstractAsyncContextManager[Process]:
    """worker.py, once it has started (child_process)."""
    return child_process(["worker.py"], env, log, "worker started")


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """`code` (dedented) in a child Python at the repository root: output captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=60,
    )
