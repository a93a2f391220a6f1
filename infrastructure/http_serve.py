"""What the service's two HTTP servers share: JSON errors and running until a signal.

Every answer is JSON. A refusal names the problem; an unexpected failure is logged here
with its traceback and answered with a bare 500, never a stack trace to the caller.
"""

from __future__ import annotations

import asyncio
import codecs
import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web

from infrastructure.exit import stop_on_signals
from infrastructure.http_guard import MAX_CONNECTIONS, READ_TIMEOUT, GuardedRunner

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
        if err.status in (408, 413):  # the body was not read whole: close the connection
            response.force_close()
        for name in ("Allow", "WWW-Authenticate"):
            if name in err.headers:
                response.headers[name] = err.headers[name]
        return response
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("request failed", path=request.path, method=request.method)
        return problem(500, "internal error; it has been logged")


class BadJson(ValueError):
    """The body is not strict JSON: the message says why, without quoting it."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise BadJson("duplicate keys in an object")
    return obj


def strict_json(body: bytes) -> Any:
    """``body`` as JSON, strictly: UTF-8 without a byte-order mark (``json.loads`` would
    guess UTF-16 or UTF-32), and no object with a key twice (last-wins would let two
    readers see two different events)."""
    if body.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise BadJson("a byte-order mark: send UTF-8 without one")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadJson("not UTF-8") from None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates)
    except BadJson:
        raise
    except (ValueError, RecursionError):  # JSONDecodeError, a 5000-digit int
        raise BadJson("not valid JSON") from None


async def read_body(request: web.Request, seconds: float = READ_TIMEOUT) -> bytes:
    """The body, or 408 when the client takes longer than ``seconds`` to send it."""
    try:
        return await asyncio.wait_for(request.read(), seconds)
    except TimeoutError:
        log.warning("request refused", problem="body not sent within the read timeout")
        raise web.HTTPRequestTimeout(reason=f"body not sent within {seconds:.0f} s") from None


async def serve(
    app: web.Application,
    host: str,
    port: int,
    what: str,
    limit: int = MAX_CONNECTIONS,
    read_timeout: float = READ_TIMEOUT,
) -> int:
    """Run ``app`` until SIGTERM or SIGINT, then let open requests finish; at most
    ``limit`` connections, each sending its request within ``read_timeout`` seconds."""
    runner = GuardedRunner(app, limit=limit, read_timeout=read_timeout)
    await runner.setup()
    stop = stop_on_signals()
    try:
        await web.TCPSite(runner, host, port, shutdown_timeout=30).start()
        log.info(f"{what} listening", host=host, port=port)
        await stop.wait()
        log.info(f"{what} stopping")
    finally:
        await runner.cleanup()
    return 0
