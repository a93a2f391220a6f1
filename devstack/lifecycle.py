"""Running the dev stack until it should stop, and stopping its parts in dependency order."""

from __future__ import annotations

import asyncio
import signal
import sys

import structlog

from devstack.children import stop_process
from devstack.parts import SERVER_STOP_TIMEOUT, WORKER_STOP_TIMEOUT, Stack

log = structlog.get_logger("devstack")


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
