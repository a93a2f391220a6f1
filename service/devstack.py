"""The whole service on one machine, no Docker: ``python -m service.devstack``.

Starts the Temporal dev server (with Web UI) and an embedded PostgreSQL, both keeping
their data under ``.data/`` so cases survive a restart, registers the search attributes,
migrates the database and runs ``worker.py`` and the outbox relay against them. Payloads
are encrypted with the configured keys or, when none are, with ``.data/payload-keys`` (made
on first start); the codec server runs beside the UI, which is pointed at it, with tokens in
``.data/codec-tokens`` unless ``TRAPPEBRO_CODEC_TOKENS`` is set. Ctrl-C (or SIGTERM) stops it
all in dependency order: the worker first (so it can finish its tasks), then Temporal,
then PostgreSQL. A second Ctrl-C stops waiting for the worker and kills it.

Children run in their own sessions: a terminal Ctrl-C reaches only this process, which
then stops them in order instead of all of them dying at once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import structlog
from rich.console import Console
from rich.text import Text
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.envconfig import ClientConfigProfile

from board.dev import board_env, board_url
from service.auth import ensure_secrets_file, load_secrets
from service.config import REPO_ROOT, Settings, load_settings
from service.exit import run_main
from service.keys import OWNER_ONLY_UMASK, ensure_key_file, narrow, read_key_file
from service.logs import configure_logging
from service.postgres import DEFAULT_DATA_DIR, EmbeddedPostgres, migrate, resolve_database_url
from service.relay.dev import relay_env
from service.schedules import ensure_digest_schedule
from service.temporal import connect, register_search_attributes
from workflows.search_attributes import ALL

log = structlog.get_logger("service.devstack")

DEFAULT_PORT = 7233
DEFAULT_UI_PORT = 8233
# The codec server's principals in a generated token file: ops staff at the CLI, and the
# Web UI, which cannot send a header and carries its token in the endpoint URL.
CODEC_PRINCIPALS = ("ops-dev", "web-ui")
KEY_FILE_VAR = "TRAPPEBRO_PAYLOAD_KEY_FILE"
TOKENS_VAR = "TRAPPEBRO_CODEC_TOKENS"
DEFAULT_IP = "127.0.0.1"
DEMO_POLICY = "policies/demo.toml"
WORKER_SCRIPT = REPO_ROOT / "worker.py"

# Longer than the worker's own graceful shutdown (35 s), so a stop never cuts an activity.
WORKER_STOP_TIMEOUT = 45.0
SERVER_STOP_TIMEOUT = 15.0
SERVER_START_TIMEOUT = 60.0

# Type names `temporal server start-dev --search-attribute Name=Type` accepts.
_CLI_TYPE = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


def search_attribute_flags() -> list[str]:
    """`temporal server start-dev` flags that register every search attribute at start."""
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={_CLI_TYPE[key.indexed_value_type]}"]
    return flags


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class StartupError(Exception):
    """A part of the stack could not start; the message says which and why."""


class Interrupted(Exception):
    """SIGINT/SIGTERM arrived while the stack was still starting."""


def find_executable(name: str) -> str | None:
    """``name`` on PATH, or beside this interpreter: ``.venv/bin/python -m service.devstack``
    works without activating the venv, whose bin folder is then not on PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which(name, path=search)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m service.devstack",
        description="Run Temporal (dev server + Web UI), PostgreSQL and the worker locally.",
    )
    parser.add_argument(
        "--no-worker", action="store_true", help="start only Temporal and PostgreSQL"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help="where Temporal and PostgreSQL keep their data (default: .data in the repo)",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="Temporal gRPC port")
    parser.add_argument("--ui-port", type=int, default=DEFAULT_UI_PORT, help="Web UI port")
    parser.add_argument("--ip", default=DEFAULT_IP, help="address Temporal and the UI bind to")
    parser.add_argument(
        "--codec-port", type=int, default=None, help="codec server port (default: UI port + 1)"
    )
    return parser.parse_args(argv)


@dataclass
class Stack:
    """What is running, so shutdown knows what to stop whatever step startup reached."""

    server: asyncio.subprocess.Process | None = None
    server_output: asyncio.Task[None] | None = None
    pg: EmbeddedPostgres | None = None
    worker: asyncio.subprocess.Process | None = None
    relay: asyncio.subprocess.Process | None = None
    board: asyncio.subprocess.Process | None = None
    board_url: str = ""
    codec: asyncio.subprocess.Process | None = None
    codec_endpoint: str = ""
    stopping: bool = False
    # Dev-server lines logged after shutdown began: the server reports its own shutdown
    # as a burst of errors, shown only if it then exits with a failure.
    held_output: deque[bytes] = field(default_factory=lambda: deque(maxlen=200))


async def _pump_server_output(stack: Stack, stream: asyncio.StreamReader) -> None:
    while line := await stream.readline():
        if stack.stopping:
            stack.held_output.append(line)
        else:
            sys.stderr.buffer.write(line)
            sys.stderr.buffer.flush()


async def start_temporal(
    stack: Stack, temporal: str, args: argparse.Namespace, namespace: str
) -> None:
    args.data_dir.mkdir(parents=True, exist_ok=True)
    narrow(args.data_dir / "temporal.db")  # one from before; a new one is made owner-only
    command = [
        temporal,
        "server",
        "start-dev",
        "--ip",
        args.ip,
        "--port",
        str(args.port),
        "--ui-port",
        str(args.ui_port),
        "--db-filename",
        str(args.data_dir / "temporal.db"),
        "--log-level",
        "warn",
        # Same JSON lines on stderr as the rest of the stack.
        "--log-format",
        "json",
        "--ui-disable-news-fetch",
    ]
    if namespace != "default":
        command += ["--namespace", namespace]
    if stack.codec_endpoint:
        command += ["--ui-codec-endpoint", stack.codec_endpoint]
    command += search_attribute_flags()
    stack.server = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.DEVNULL,
        # stdout only carries the CLI's own banner; ours replaces it.
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        umask=OWNER_ONLY_UMASK,
    )
    assert stack.server.stderr is not None
    stack.server_output = asyncio.create_task(_pump_server_output(stack, stack.server.stderr))
    log.info("temporal dev server started", pid=stack.server.pid, port=args.port)


async def wait_for_temporal(
    stack: Stack, settings: Settings, stop: asyncio.Event, limit: float
) -> Client:
    """Connect as soon as the frontend answers; fail early if the server process dies."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    assert stack.server is not None
    last_error: Exception | None = None
    while loop.time() < deadline:
        if stop.is_set():
            raise Interrupted
        if stack.server.returncode is not None:
            raise StartupError(
                f"temporal dev server exited with status {stack.server.returncode} while "
                "starting (see its error above; is the port already in use?)"
            )
        try:
            return await connect(settings)
        except Exception as err:  # not up yet: connection refused, unavailable
            last_error = err
        await asyncio.sleep(0.2)
    raise StartupError(f"temporal dev server did not answer in {limit:.0f}s: {last_error}")


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
        "service.codec_server",
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
    # The outbox relay beside it, started the same way (service/relay, policies/receivers.dev.toml).
    stack.relay = await _child(["-m", "service.relay"], relay_env(env, data_dir))
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


async def shutdown(stack: Stack, force: asyncio.Event) -> bool:
    """Stop what runs, worker then Temporal then PostgreSQL; False if a part failed."""
    stack.stopping = True
    ok = True
    if stack.board is not None:
        await stop_process(stack.board, "board", SERVER_STOP_TIMEOUT, force)
    if stack.relay is not None:
        await stop_process(stack.relay, "outbox relay", SERVER_STOP_TIMEOUT, force)
    if stack.worker is not None:
        await stop_process(stack.worker, "worker", WORKER_STOP_TIMEOUT, force)
    if stack.codec is not None:
        await stop_process(stack.codec, "codec server", SERVER_STOP_TIMEOUT, force)
    if stack.server is not None:
        status = await stop_process(stack.server, "temporal", SERVER_STOP_TIMEOUT, force)
        if stack.server_output is not None:
            await stack.server_output
        if status not in (0, -signal.SIGTERM):
            ok = False
            for line in stack.held_output:
                sys.stderr.buffer.write(line)
            sys.stderr.buffer.flush()
    if stack.pg is not None:
        try:
            await asyncio.to_thread(stack.pg.stop)
            log.info("stopped", process="postgres")
        except Exception:
            log.exception("postgres did not stop cleanly")
            ok = False
    return ok


async def wait_until_done(stack: Stack, stop: asyncio.Event) -> int:
    """Run until a signal (status 0) or until the worker or Temporal dies (non-zero)."""
    assert stack.server is not None
    waits: dict[asyncio.Future[object], str] = {
        asyncio.ensure_future(stop.wait()): "signal",
        asyncio.ensure_future(stack.server.wait()): "temporal",
    }
    if stack.worker is not None:
        waits[asyncio.ensure_future(stack.worker.wait())] = "worker"
    if stack.codec is not None:
        waits[asyncio.ensure_future(stack.codec.wait())] = "codec server"
    if stack.relay is not None:
        waits[asyncio.ensure_future(stack.relay.wait())] = "outbox relay"
    if stack.board is not None:
        waits[asyncio.ensure_future(stack.board.wait())] = "board"
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for future in pending:
        future.cancel()
    reason = waits[next(iter(done))]
    if reason == "signal":
        return 0
    named = {"worker": stack.worker, "codec server": stack.codec, "outbox relay": stack.relay,
             "board": stack.board}  # fmt: skip
    proc = named.get(reason, stack.server)
    assert proc is not None and proc.returncode is not None
    code = proc.returncode
    log.error("process exited; stopping the stack", process=reason, status=code)
    # A part that exits, even with 0, is a failure of the stack; a signal death N is 128+N.
    return code if code > 0 else 128 - code if code < 0 else 1


def print_banner(
    settings: Settings, args: argparse.Namespace, database_url: str, stack: Stack
) -> None:
    # Plain lines, never wrapped or cut, so URLs and commands copy-paste from any terminal.
    console = Console(highlight=False, soft_wrap=True)
    where = f"embedded, data in {_show_path(stack.pg.data_dir)}" if stack.pg else "DATABASE_URL"
    if stack.worker is not None:
        policy = os.environ.get("TRAPPEBRO_POLICY") or DEMO_POLICY
        worker = f"pid {stack.worker.pid}, task queue {settings.task_queue}, policy {policy}"
    else:
        worker = "not started (--no-worker)"
    address = "" if args.port == DEFAULT_PORT else f" --address {settings.temporal_address}"
    rows = [
        ("Web UI", f"http://{args.ip}:{args.ui_port}"),
        ("Temporal", f"{settings.temporal_address}, namespace {settings.temporal_namespace}"),
        ("PostgreSQL", f"{database_url}  ({where})"),
        ("Codec", _codec_row(args, stack)),
        ("Worker", worker),
        ("Relay", _relay_row(stack)),
        ("Board", stack.board_url or "not started (--no-worker)"),
        ("Try", ".venv/bin/python starter.py demo"),
        ("", ".venv/bin/python starter.py ingest FILE"),
        ("", f".venv/bin/temporal workflow list{address} --query 'Stalled=true'"),
    ]
    console.print("[bold green]trappebro dev stack is up[/]  (Ctrl-C stops it)")
    for label, value in rows:
        console.print(Text.assemble((f"  {label:<12}", "bold"), value))


def _relay_row(stack: Stack) -> str:
    if stack.relay is None:
        return "not started (--no-worker)"
    receivers = os.environ.get("TRAPPEBRO_RECEIVERS") or "policies/receivers.dev.toml"
    return f"pid {stack.relay.pid}, receivers {receivers}; see them arrive: " + (
        ".venv/bin/python -m service.relay.receiver"
    )


def _codec_row(args: argparse.Namespace, stack: Stack) -> str:
    if stack.codec is None:
        return "not started: payloads are plain (TRAPPEBRO_PLAINTEXT_PAYLOADS)"
    configured = os.environ.get(TOKENS_VAR) or os.environ.get(f"{TOKENS_VAR}_FILE")
    tokens = "as configured" if configured else _show_path(args.data_dir / "codec-tokens")
    return f"http://{args.ip}:{args.codec_port}, the UI decodes through it (tokens: {tokens})"


def _show_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


async def run(args: argparse.Namespace) -> int:
    base = load_settings()
    configure_logging(base.log_level)
    args.data_dir = args.data_dir.expanduser().resolve()
    # Everything in the stack talks to this stack's own server, never to a configured one.
    settings = replace(
        base,
        temporal=ClientConfigProfile(
            address=f"{args.ip}:{args.port}", namespace=base.temporal_namespace
        ),
    )

    temporal = find_executable("temporal")
    if temporal is None:
        log.error("temporal CLI not found; install the project (pip install -e .)")
        return 1
    if not args.no_worker and not WORKER_SCRIPT.exists():
        log.error("worker.py not found; run with --no-worker", path=str(WORKER_SCRIPT))
        return 1

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    force = asyncio.Event()

    def on_signal(signum: int) -> None:
        if stop.is_set():
            log.warning("second signal: killing what still runs", signal=signum)
            force.set()
        else:
            log.info("stopping", signal=signal.Signals(signum).name)
            stop.set()

    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for signum in signals:
        loop.add_signal_handler(signum, on_signal, signum)

    stack = Stack()
    status = 0
    postgres: asyncio.Task[str] | None = None
    args.codec_port = args.codec_port or args.ui_port + 1
    keys = payload_key_env(base, args.data_dir)
    if keys:
        settings = replace(settings, payload_keys=read_key_file(Path(keys[KEY_FILE_VAR])))
    try:
        if settings.payload_keys is not None:
            env, stack.codec_endpoint = codec_env(args, keys)
            await start_codec_server(stack, env)
        await start_temporal(stack, temporal, args, settings.temporal_namespace)
        # PostgreSQL starts while Temporal does: they do not depend on each other.
        postgres = asyncio.create_task(start_postgres(stack, base, args.data_dir / "postgres"))
        client = await wait_for_temporal(stack, settings, stop, SERVER_START_TIMEOUT)
        # Start-dev registered them already; this checks their types and covers a
        # database file from an older version with fewer attributes.
        await register_search_attributes(client)
        await ensure_digest_schedule(client, settings.task_queue)
        database_url = await postgres
        if stop.is_set():
            raise Interrupted

        if not args.no_worker:
            web_ui = f"http://{args.ip}:{args.ui_port}"
            env = worker_env(settings, database_url, keys)
            await start_worker(stack, env, args.data_dir, web_ui)
        print_banner(settings, args, database_url, stack)

        status = await wait_until_done(stack, stop)
    except Interrupted:
        log.info("interrupted while starting")
    except StartupError as err:
        log.error(str(err))
        status = 1
    finally:
        if postgres is not None:
            # Its thread cannot be cancelled: let it finish so shutdown knows the server.
            # A failure of its own was raised above already, or is hidden by the first one.
            await asyncio.gather(postgres, return_exceptions=True)
        if not await shutdown(stack, force):
            status = status or 1
        for signum in signals:
            loop.remove_signal_handler(signum)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    run_main(main)
