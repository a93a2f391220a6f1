"""What stands between a socket and the service's HTTP handlers: a connection limit, a
read deadline, and refusals of malformed requests that are JSON and log nothing sent.

aiohttp answers a request it cannot parse itself (a bad header line, a bad method) with
plain text, and logs the exception at ERROR: its message holds the offending line, which
for ``Authorization: Bearer <token>...`` is the token. Here such a refusal is logged as a
status and an exception class only, and answered as every other refusal is.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any

import structlog
from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse
from aiohttp.web_server import Server

log = structlog.get_logger("infrastructure.http_guard")

MAX_CONNECTIONS = 256
READ_TIMEOUT = 10.0  # seconds for a request's line and headers, and for its body


def refusal_bytes(status: int, message: str) -> bytes:
    body = json.dumps({"error": message}).encode()
    phrase = HTTPStatus(status).phrase
    head = (
        f"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class _GuardedHandler(RequestHandler):
    read_timeout = READ_TIMEOUT

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        assert isinstance(transport, asyncio.Transport)
        server = self._manager
        assert isinstance(server, GuardedServer)
        self.read_timeout = server.read_timeout
        if len(server.connections) > server.limit:
            log.warning("connection refused", problem="too many connections", limit=server.limit)
            transport.write(refusal_bytes(503, "too many connections; try again shortly"))
            self.force_close()
            transport.close()
            return
        self._watch(transport, -1)

    def _watch(self, transport: asyncio.Transport, seen: int) -> None:
        """Close a connection that completed no request in a read timeout while idle or
        sending headers slowly (a body is timed by the handler that reads it)."""

        def check() -> None:
            if transport.is_closing():
                return
            busy = self._task_handler is not None and self._current_request is not None
            if not busy and self._request_count == seen:
                log.warning("connection closed", problem="no request within the read timeout")
                transport.close()
                return
            self._watch(transport, self._request_count)

        asyncio.get_running_loop().call_later(self.read_timeout, check)

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> StreamResponse:
        # Never the exception or its message: they quote what the client sent.
        log.warning(
            "malformed request refused",
            status=status,
            problem=type(exc).__name__ if exc else "unknown",
            remote=request.remote,
        )
        text = "malformed request" if status < 500 else "internal error; it has been logged"
        response = web.json_response({"error": text}, status=status)
        response.force_close()
        return response


class GuardedServer(Server):
    limit = MAX_CONNECTIONS
    read_timeout = READ_TIMEOUT

    def __call__(self) -> RequestHandler:
        return _GuardedHandler(self, loop=self._loop, **self._kwargs)


class GuardedRunner(web.AppRunner):
    """An AppRunner whose connections are guarded; ``limit`` connections at most."""

    def __init__(
        self,
        app: web.Application,
        limit: int = MAX_CONNECTIONS,
        read_timeout: float = READ_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        # No lingering: a refused request's unread body is not waited for.
        super().__init__(
            app, access_log=None, keepalive_timeout=read_timeout, lingering_time=0, **kwargs
        )
        self._guard = (limit, read_timeout)

    async def _make_server(self) -> Server:
        server = await super()._make_server()
        # aiohttp makes its Server inside; ours only adds the handler class and two limits.
        server.__class__ = GuardedServer
        assert isinstance(server, GuardedServer)
        server.limit, server.read_timeout = self._guard
        return server
