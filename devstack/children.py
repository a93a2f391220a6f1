"""The dev stack's child processes: PostgreSQL, the codec server, the worker and the relay,
with the environment each gets."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

import structlog

from board.dev import board_env, board_url
from codec.keys import ensure_key_file
from devstack.parts import (
    CODEC_PRINCIPALS,
    DEMO_POLICY,
    KEY_FILE_VAR,
    TOKENS_VAR,
    WORKER_SCRIPT,
    Stack,
)
from doors.auth import ensure_secrets_file, load_secrets
from infrastructure.config import REPO_ROOT, Settings
from infrastructure.postgres import (
    migrate,
    resolve_database_url,
)
from outbox.dev import relay_env

log = structlog.get_logger("devstack")


async def start_postgres(stack: Stack, base: Settings, pg_dir: Path) -> str:
    """DATABASE_URL or the embedded server, migrated; its URL."""
    database_url, stack.pg = await resolve_database_url(base, pg_dir)
    await migrate(database_url)
    return database_url


def payload_key_env(base: Settings, data_dir: Path) -> dict[str, str]:
    """The key variables for the stack's processes: none when keys are configured (or plain
    payloads chosen); else the dev key file in ``data_dir``, made on first start."""
    configured = any(os.environ.get(n) for n in ("TRAPPEBRO_PAYLOAD_KEYS", KEY_FILE_VAR))
    if configured or base.plaintext_payloads:
        return {}
    path = data_dir / "payload-keys"
    ensure_key_file(path)
    return {KEY_FILE_VAR: str(path)}


def codec_env(args: argparse.Namespace, keys: dict[str, str]) -> tuple[dict[str, str], str]:
    """The codec server's environment, and the endpoint the UI calls (with the ``web-ui``
    token in its path when there is one: the UI cannot send a header)."""
    env = {**os.environ, **keys, "PYTHONUNBUFFERED": "1"}
    tokens = load_secrets(env, TOKENS_VAR)
    if not tokens:
        path = args.data_dir / "codec-tokens"
        tokens = ensure_secrets_file(path, CODEC_PRINCIPALS)
        env[f"{TOKENS_VAR}_FILE"] = str(path)
    ui = [f"http://{host}:{args.ui_port}" for host in dict.fromkeys([args.ip, "localhost"])]
    env.setdefault("TRAPPEBRO_CODEC_UI_ORIGIN", ",".join(ui))
    env["TRAPPEBRO_CODEC_HOST"], env["TRAPPEBRO_CODEC_PORT"] = args.ip, str(args.codec_port)
    ui_token = dict(tokens.entries).get("web-ui")
    endpoint = f"http://{args.ip}:{args.codec_port}" + (f"/{ui_token}" if ui_token else "")
    return env, endpoint


async def start_codec_server(stack: Stack, env: dict[str, str]) -> None:
    stack.codec = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "doors.codec_server",
        cwd=REPO_ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )
    log.info("codec server started", pid=stack.codec.pid, port=env["TRAPPEBRO_CODEC_PORT"])


def worker_env(
    settings: Settings, database_url: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    # The worker must reach this stack's server whatever profile or cloud credentials the
    # shell carries, so drop every TEMPORAL_* setting and name the local server instead.
    for name in [n for n in env if n.startswith("TEMPORAL_")]:
        del env[name]
    env["TEMPORAL_ADDRESS"] = settings.temporal_address
    env["TEMPORAL_NAMESPACE"] = settings.temporal_namespace
    env["TEMPORAL_TLS"] = "false"
    env["DATABASE_URL"] = database_url
    if not env.get("TRAPPEBRO_POLICY"):
        env["TRAPPEBRO_POLICY"] = DEMO_POLICY
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


async def start_worker(stack: Stack, env: dict[str, str], data_dir: Path, web_ui: str) -> None:
    stack.worker = await _child([str(WORKER_SCRIPT.relative_to(REPO_ROOT))], env)
    log.info("worker started", pid=stack.worker.pid)
    # The outbox relay beside it, started the same way (outbox, policies/receivers.dev.toml).
    stack.relay = await _child(["-m", "outbox"], relay_env(env, data_dir))
    log.info("outbox relay started", pid=stack.relay.pid)
    # The team leads' board (board/), development login on, loopback only.
    board = board_env(env, web_ui)
    stack.board, stack.board_url = await _child(["-m", "board"], board), board_url(board)
    log.info("board started", pid=stack.board.pid, url=stack.board_url)


async def _child(args: list[str], env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        cwd=REPO_ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        start_new_session=True,
    )


async def stop_process(
    proc: asyncio.subprocess.Process, name: str, grace: float, force: asyncio.Event
) -> int:
    """SIGTERM, wait up to ``grace`` seconds (or until ``force``), then SIGKILL its group."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        waiter = asyncio.ensure_future(proc.wait())
        forced = asyncio.ensure_future(force.wait())
        await asyncio.wait({waiter, forced}, timeout=grace, return_when=asyncio.FIRST_COMPLETED)
        forced.cancel()
        if not waiter.done():
            log.warning("killing after no clean stop", process=name, pid=proc.pid)
            # Its whole session (it is not reaped yet, so the group id is still its own).
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        await waiter
    assert proc.returncode is not None
    log.info("stopped", process=name, status=proc.returncode)
    return proc.returncode
