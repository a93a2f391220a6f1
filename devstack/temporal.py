"""The Temporal dev server in the dev stack: started with every search attribute, awaited."""

from __future__ import annotations

import argparse
import asyncio
import sys

import structlog
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType

from codec.keys import OWNER_ONLY_UMASK, narrow
from devstack.parts import Interrupted, Stack, StartupError
from infrastructure.config import Settings
from infrastructure.temporal import connect
from workflows.search_attributes import ALL

log = structlog.get_logger("devstack")

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
