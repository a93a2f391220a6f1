"""What the service's two HTTP servers share: JSON errors and running until a signal.

Every answer is JSON. A refusal names the problem; an unexpected failure is logged here
with its traceback and answered with a bare 500, never a stack trace to the caller.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def problem(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as err:
        if err.status < 400:
            raise
        # aiohttp's own refusals (404, 405, 413) come as plain text; say them in JSON.
        response = problem(err.status, err.reason)
        for name in ("Allow", "WWW-Authenticate"):
            if name in err.headers:
                response.headers[name] = err.headers[name]
        return response
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("request failed", path=request.path, method=request.method)
        return problem(500, "internal error; it has been logged")


async def serve(app: web.Application, host: str, port: int, what: str) -> int:
    """Run ``app`` until SIGTERM or SIGINT, then let open requests finish."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await web.TCPSite(runner, host, port, shutdown_timeout=30).start()
        log.info(f"{what} listening", host=host, port=port)
        await stop.wait()
        log.info(f"{what} stopping")
    finally:
        await runner.cleanup()
    return 0
