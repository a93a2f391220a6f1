"""Codec server: lets authorised ops staff read encrypted payloads in the Temporal Web UI
or the ``temporal`` CLI (Temporal's remote codec protocol), and logs every such read.

  python -m service.codec_server [--host 127.0.0.1] [--port 8081]

``POST .../decode`` and ``POST .../encode`` take and give ``{"payloads": [...]}`` (protobuf
JSON). Only the last path segment counts, so the server can be mounted at any depth.
Authentication: ``Authorization: Bearer <token>`` (the CLI's ``--codec-auth``), or, for a UI
that cannot send a header, the token as the segment before ``decode`` in the endpoint URL.
Tokens: ``TRAPPEBRO_CODEC_TOKENS`` or ``TRAPPEBRO_CODEC_TOKENS_FILE``, ``<principal>:<token>``.
CORS answers only the origins in ``TRAPPEBRO_CODEC_UI_ORIGIN`` (comma-separated: the UI's
address as browsers show it). Keys as for the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

import structlog
from aiohttp import web
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from service.auth import AuthFailure, Secrets, bearer, load_secrets
from service.codec import EncryptionCodec, UndecryptablePayload
from service.config import load_settings
from service.exit import run_main
from service.http_common import json_errors, problem, serve
from service.logs import configure_logging

access = structlog.get_logger("trappebro.codec.access")

MAX_BODY = 8 * 1024 * 1024
# What the Web UI sends: the payloads as JSON, the namespace, and a token when configured.
ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace, X-Workflow-Id"
WORKFLOW_ID_HEADER = "X-Workflow-Id"

Apply = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


def _cors(request: web.Request, origins: frozenset[str], response: web.StreamResponse) -> None:
    response.headers["Vary"] = "Origin"
    origin = request.headers.get("Origin")
    if origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"


def _workflow_id(request: web.Request) -> str | None:
    """The workflow being read, when the caller says so: a header, or the UI page in the
    Referer (``.../workflows/<id>/<run>/...``; browsers often send only the origin)."""
    given = request.headers.get(WORKFLOW_ID_HEADER)
    if given:
        return given[:200]
    parts = urlsplit(request.headers.get("Referer", "")).path.split("/")
    if "workflows" in parts and parts.index("workflows") + 1 < len(parts):
        return parts[parts.index("workflows") + 1][:200] or None
    return None


def _principal(request: web.Request, tokens: Secrets) -> str:
    header = request.headers.get("Authorization")
    segments = [s for s in request.path.split("/") if s]
    if header is None and len(segments) >= 2:
        found = tokens.match(segments[-2])
        if found is not None:
            return found
    return bearer(header, tokens)


def build_app(
    codec: EncryptionCodec, tokens: Secrets, ui_origins: frozenset[str]
) -> web.Application:
    async def preflight(request: web.Request) -> web.StreamResponse:
        if request.headers.get("Origin") not in ui_origins:
            return problem(403, "origin not allowed")
        response = web.Response(status=204)
        _cors(request, ui_origins, response)
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
        return response

    async def codec_call(request: web.Request) -> web.StreamResponse:
        action = request.path.rstrip("/").rsplit("/", 1)[-1]
        if action not in ("encode", "decode"):
            return problem(404, "not found: POST .../encode or .../decode")
        response = await _answer(request, action)
        _cors(request, ui_origins, response)
        return response

    async def _answer(request: web.Request, action: str) -> web.Response:
        origin = request.headers.get("Origin")
        who = {
            "namespace": request.headers.get("X-Namespace"),
            "workflow_id": _workflow_id(request),
            "remote": request.remote,
            "action": action,
        }
        if origin is not None and origin not in ui_origins:
            access.warning("codec request refused", problem="origin not allowed", **who)
            return problem(403, "origin not allowed")
        try:
            principal = _principal(request, tokens)
        except AuthFailure as failure:
            access.warning("codec request refused", problem=str(failure), **who)
            response = problem(401, str(failure))
            response.headers["WWW-Authenticate"] = 'Bearer realm="trappebro-codec"'
            return response
        try:
            body = await request.read()
            # Tolerant of fields newer UIs may add: decode what is known, keep the rest out.
            payloads = json_format.Parse(body, Payloads(), ignore_unknown_fields=True).payloads
            apply: Apply = codec.decode if action == "decode" else codec.encode
            result = Payloads(payloads=await apply(payloads))
        except (json_format.ParseError, UnicodeDecodeError):
            return problem(400, 'body must be {"payloads": [...]} in protobuf JSON')
        except UndecryptablePayload as err:
            access.warning("payloads not decoded", principal=principal, problem=str(err), **who)
            return problem(422, str(err))
        access.info(f"payloads {action}d", principal=principal, count=len(payloads), **who)
        return web.json_response(text=json_format.MessageToJson(result))

    app = web.Application(middlewares=[json_errors], client_max_size=MAX_BODY)
    app.router.add_route("OPTIONS", "/{tail:.*}", preflight)
    app.router.add_post("/{tail:.*}", codec_call)
    return app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m service.codec_server", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("TRAPPEBRO_CODEC_HOST", "127.0.0.1"))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("TRAPPEBRO_CODEC_PORT") or 8081)
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    tokens = load_secrets(os.environ, "TRAPPEBRO_CODEC_TOKENS")
    if settings.payload_keys is None:
        access.error("no payload key ring configured: nothing to decode with")
        return 2
    if not tokens:
        access.error("no TRAPPEBRO_CODEC_TOKENS: refusing to serve decryption to anyone")
        return 2
    raw = os.environ.get("TRAPPEBRO_CODEC_UI_ORIGIN", "")
    origins = frozenset(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    app = build_app(EncryptionCodec(settings.payload_keys), tokens, origins)
    return await serve(app, args.host, args.port, "codec server")


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    run_main(main)
