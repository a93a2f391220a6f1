"""The case system's HTTP door: the same intake, delivery and receipts as starter.py.

  python -m doors.http [--host 127.0.0.1] [--port 8080]

``POST /events`` takes one event object or a JSON array of them and answers with what
became of each (200: all accepted or duplicates; 422: some refused, each named by index,
field and reason). ``GET /health``, ``GET /openapi.json``. Requests to ``/events`` carry a
bearer token or an HMAC-SHA256 signature with a timestamp (see doors/auth.py); settings
come from `DoorConfig.from_env`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiohttp import web
from temporalio.client import Client
from temporalio.service import RPCError

from activities.db import create_pool
from doors.auth import AuthFailure, Secrets, bearer, fresh, load_secrets, signed
from doors.feed import FEED_PATHS, Authorised, add_feed
from doors.ingest import IngestReport, ingest
from doors.openapi import openapi
from infrastructure.config import load_settings
from infrastructure.exit import run_main
from infrastructure.http_guard import MAX_CONNECTIONS, READ_TIMEOUT
from infrastructure.http_serve import BadJson, json_errors, problem, read_body, serve, strict_json
from infrastructure.temporal import MissingPayloadKey, connect
from observability.logs import configure_logging
from outbox.notify import CaseNotifier, made

log = structlog.get_logger("doors.http")

# The door's one way to a principal and a body, shared with the outbox feed's routes.
AUTHORISED: web.AppKey[Authorised] = web.AppKey("authorised")
# The OpenAPI document the door serves: it names the feed's paths only where they are served.
DESCRIPTION: web.AppKey[dict[str, Any]] = web.AppKey("description")

TIMESTAMP_HEADER = "X-Trappebro-Timestamp"
SIGNATURE_HEADER = "X-Trappebro-Signature"
MAX_DEPTH = 16  # nesting levels: the contract needs four; deeper only attacks the parser


@dataclass(frozen=True)
class DoorConfig:
    tokens: Secrets = field(default_factory=Secrets)
    signing_keys: Secrets = field(default_factory=Secrets)
    max_body: int = 1024 * 1024
    max_batch: int = 500
    window: int = 300
    host: str = "127.0.0.1"
    port: int = 8080
    read_timeout: int = int(READ_TIMEOUT)
    max_connections: int = MAX_CONNECTIONS

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DoorConfig:
        def number(name: str, default: int) -> int:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            if not raw.isdigit() or int(raw) < 1:
                raise ValueError(f"{name} must be a positive integer, not {raw!r}")
            return int(raw)

        return cls(
            tokens=load_secrets(env, "TRAPPEBRO_DOOR_TOKENS"),
            signing_keys=load_secrets(env, "TRAPPEBRO_DOOR_SIGNING_KEYS"),
            max_body=number("TRAPPEBRO_DOOR_MAX_BODY", cls.max_body),
            max_batch=number("TRAPPEBRO_DOOR_MAX_BATCH", cls.max_batch),
            window=number("TRAPPEBRO_DOOR_WINDOW", cls.window),
            host=env.get("TRAPPEBRO_DOOR_HOST", "").strip() or cls.host,
            port=number("TRAPPEBRO_DOOR_PORT", cls.port),
            read_timeout=number("TRAPPEBRO_DOOR_READ_TIMEOUT", cls.read_timeout),
            max_connections=number("TRAPPEBRO_DOOR_MAX_CONNECTIONS", cls.max_connections),
        )


class RequestRefused(Exception):
    """The whole request is refused: status and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def too_deep(value: Any) -> bool:
    """Nested deeper than MAX_DEPTH, checked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            stack += [(child, depth + 1) for child in children]
    return False


def events_of(body: bytes, max_batch: int) -> list[Any]:
    """The body's events as JSON values (one object, or an array of them)."""
    try:
        parsed = strict_json(body)
    except BadJson as err:
        raise RequestRefused(400, f"body is not valid JSON ({err})") from None
    if isinstance(parsed, dict):
        items = [parsed]
    elif isinstance(parsed, list):
        items = parsed
    else:
        raise RequestRefused(400, "body must be an event object or an array of events")
    if not items:
        raise RequestRefused(400, "empty batch: send at least one event")
    if len(items) > max_batch:
        raise RequestRefused(413, f"batch of {len(items)} events; at most {max_batch} per request")
    if too_deep(parsed):
        raise RequestRefused(400, f"body nested deeper than {MAX_DEPTH} levels")
    return items


def report_json(report: IngestReport) -> dict[str, Any]:
    """The report with 0-based indexes into the request's events (ingest counts lines)."""
    return {
        "accepted": report.accepted,
        "duplicate": report.duplicate,
        "refused": [
            {"index": r.line - 1, "field": r.field, "reason": r.reason} for r in report.refused
        ],
        "unconfirmed": [line - 1 for line in report.unconfirmed],
    }


def _is_signed(request: web.Request) -> bool:
    return SIGNATURE_HEADER in request.headers or TIMESTAMP_HEADER in request.headers


def pre_authenticate(request: web.Request, config: DoorConfig, now: float) -> str | None:
    """Before the body is read: the principal of a bearer token, or None for a signature
    whose headers and timestamp hold (its HMAC needs the body)."""
    if _is_signed(request):
        fresh(
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            now,
            config.window,
        )
        return None
    return bearer(request.headers.get("Authorization"), config.tokens)


def authenticate(request: web.Request, body: bytes, config: DoorConfig, now: float) -> str:
    if _is_signed(request):
        return signed(
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            body,
            config.signing_keys,
            now,
            config.window,
        )
    return bearer(request.headers.get("Authorization"), config.tokens)


def build_app(
    client: Client,
    task_queue: str,
    config: DoorConfig,
    clock: Callable[[], float] = time.time,
) -> web.Application:
    description = openapi(config.max_batch, config.max_body, config.window)

    async def authorised(request: web.Request) -> tuple[str, bytes]:
        """The principal and the body: credentials checked before the body is read (a
        signature's HMAC, which needs the body, after)."""
        try:
            principal = pre_authenticate(request, config, clock())
        except AuthFailure as failure:
            log.warning("door request refused", problem=str(failure), remote=request.remote)
            raise RequestRefused(401, str(failure)) from None
        if (request.content_length or 0) > config.max_body:
            raise RequestRefused(413, f"body over {config.max_body} bytes")
        if request.method == "POST" and request.content_type != "application/json":
            raise RequestRefused(415, "Content-Type must be application/json")
        body = await read_body(request, config.read_timeout)
        try:
            return principal or authenticate(request, body, config, clock()), body
        except AuthFailure as failure:
            log.warning("door request refused", problem=str(failure), remote=request.remote)
            raise RequestRefused(401, str(failure)) from None

    async def post_events(request: web.Request) -> web.Response:
        principal, body = await authorised(request)
        items = events_of(body, config.max_batch)
        try:
            report = await ingest(client, task_queue, [json.dumps(item) for item in items])
        except RPCError as err:
            log.error("temporal unreachable", status=str(err.status), principal=principal)
            raise RequestRefused(503, "the case service is unavailable; send again later") from None
        log.info(
            "events received",
            principal=principal,
            events=len(items),
            accepted=report.accepted,
            duplicate=report.duplicate,
            refused=len(report.refused),
        )
        return web.json_response(report_json(report), status=200 if report.ok else 422)

    async def health(_: web.Request) -> web.Response:
        try:
            await client.service_client.check_health()
        except Exception:  # any failure to reach Temporal is "not ready"
            return web.json_response({"status": "unavailable"}, status=503)
        return web.json_response({"status": "ok"})

    async def describe(_: web.Request) -> web.Response:
        return web.json_response(description)

    @web.middleware
    async def refusals(request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            response: web.StreamResponse = await handler(request)
        except RequestRefused as refusal:
            response = problem(refusal.status, str(refusal))
            if refusal.status in (401, 408, 413, 415):
                # The body was not read, or not whole: the connection cannot carry another.
                response.force_close()
            if refusal.status == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="trappebro"'
        return response

    app = web.Application(middlewares=[json_errors, refusals], client_max_size=config.max_body)
    app[AUTHORISED] = authorised
    app[DESCRIPTION] = description
    app.router.add_post("/events", post_events)
    app.router.add_get("/health", health)
    app.router.add_get("/openapi.json", describe)
    return app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m doors.http", description=__doc__)
    parser.add_argument("--host", default=None, help="default TRAPPEBRO_DOOR_HOST or 127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default TRAPPEBRO_DOOR_PORT")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    config = DoorConfig.from_env(os.environ)
    if not config.tokens and not config.signing_keys:
        log.error("set TRAPPEBRO_DOOR_TOKENS or TRAPPEBRO_DOOR_SIGNING_KEYS: no open doors")
        return 2
    try:
        client = await connect(settings)
    except MissingPayloadKey as err:
        log.error(str(err))
        return 2
    app = build_app(client, settings.task_queue, config)
    pool, notifier = None, CaseNotifier(made(client))
    if settings.database_url is not None:  # the outbox's pull feed (doors/feed.py)
        pool = await create_pool(settings.database_url, 4)
        add_feed(app, pool, app[AUTHORISED], notifier)
        app[DESCRIPTION]["paths"].update(FEED_PATHS)
    host, port = args.host or config.host, args.port or config.port
    try:
        return await serve(
            app, host, port, "http door", config.max_connections, config.read_timeout
        )
    finally:
        await notifier.close()
        if pool is not None:
            await pool.close()


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    run_main(main)
