"""Codec server: lets authorised ops staff read encrypted payloads in the Temporal Web UI
or the ``temporal`` CLI (Temporal's remote codec protocol), and logs every such read.

  python -m doors.codec_server [--host 127.0.0.1] [--port 8081]

``POST .../decode`` and ``POST .../encode`` take and give ``{"payloads": [...]}`` (protobuf
JSON). Only the last path segment counts, so the server can be mounted at any depth.
Authentication: ``Authorization: Bearer <token>`` (the CLI's ``--codec-auth``), or, for a UI
that cannot send a header, the token as the segment before ``decode`` in the endpoint URL.
Tokens: ``TRAPPEBRO_CODEC_TOKENS`` or ``TRAPPEBRO_CODEC_TOKENS_FILE``, ``<principal>:<token>``.
``/encode`` answers only the principals in ``TRAPPEBRO_CODEC_ENCODERS`` (comma-separated;
none by default). A payload that is not encrypted is refused on decode (answered by a
placeholder and logged) unless ``TRAPPEBRO_CODEC_ALLOW_PLAIN=1``, for reading histories
from before encryption. The
access log names the workflows from the payloads' own authenticated metadata; every refusal
is logged.
CORS answers only the origins in ``TRAPPEBRO_CODEC_UI_ORIGIN`` (comma-separated: the UI's
address as browsers show it). Keys as for the worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from aiohttp import web
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from codec.payloads import EncryptionCodec, UndecryptablePayload, is_encrypted, sealed_for
from doors.auth import AuthFailure, Secrets, bearer, load_secrets
from infrastructure.config import load_settings
from infrastructure.exit import run_main
from infrastructure.http_serve import json_errors, problem, read_body, serve
from observability.logs import configure_logging

access = structlog.get_logger("trappebro.codec.access")

MAX_BODY = 8 * 1024 * 1024
# What the Web UI sends: the payloads as JSON, the namespace, and a token when configured.
ALLOWED_HEADERS = "Authorization, Content-Type, X-Namespace, X-Workflow-Id"

Apply = Callable[[Sequence[Payload]], Awaitable[list[Payload]]]


def _cors(request: web.Request, origins: frozenset[str], response: web.StreamResponse) -> None:
    response.headers["Vary"] = "Origin"
    origin = request.headers.get("Origin")
    if origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"


def _workflows(payloads: Sequence[Payload]) -> list[str]:
    """Whose payloads these are, as they say themselves ("?" for one written without)."""
    return sorted({sealed_for(p) or "?" for p in payloads})


# What stands in for a payload that was not encrypted: the same count goes back (the UI
# matches answers to its payloads by position), none of it the payload's content.
REFUSED_PLAIN = Payload(
    metadata={"encoding": b"json/plain"}, data=b'"[not encrypted: refused by the codec server]"'
)


def refuse_plain(
    given: Sequence[Payload], answered: list[Payload], who: dict[str, Any]
) -> list[Payload]:
    plain = [n for n, payload in enumerate(given) if not is_encrypted(payload)]
    if plain:
        access.warning("plain payloads refused", refused=len(plain), problem="not encrypted", **who)
    return [REFUSED_PLAIN if n in plain else p for n, p in enumerate(answered)]


def _principal(request: web.Request, tokens: Secrets) -> str:
    header = request.headers.get("Authorization")
    segments = [s for s in request.path.split("/") if s]
    if header is None and len(segments) >= 2:
        found = tokens.match(segments[-2])
        if found is not None:
            return found
    return bearer(header, tokens)


def build_app(
    codec: EncryptionCodec,
    tokens: Secrets,
    ui_origins: frozenset[str],
    encoders: frozenset[str] = frozenset(),
    allow_plain: bool = False,
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
        who = {"namespace": request.headers.get("X-Namespace"), "remote": request.remote}
        if action not in ("encode", "decode"):
            access.warning("codec request refused", problem="unknown path", **who)
            return problem(404, "not found: POST .../encode or .../decode")
        try:
            response = await _answer(request, action, {**who, "action": action})
        except web.HTTPException as err:
            access.warning("codec request refused", problem=err.reason, action=action, **who)
            raise
        _cors(request, ui_origins, response)
        return response

    def refused(status: int, problem_text: str, who: dict[str, Any]) -> web.Response:
        access.warning("codec request refused", problem=problem_text, **who)
        return problem(status, problem_text)

    async def _answer(request: web.Request, action: str, who: dict[str, Any]) -> web.Response:
        origin = request.headers.get("Origin")
        if origin is not None and origin not in ui_origins:
            return refused(403, "origin not allowed", who)
        try:
            principal = _principal(request, tokens)
        except AuthFailure as failure:
            response = refused(401, str(failure), who)
            response.headers["WWW-Authenticate"] = 'Bearer realm="trappebro-codec"'
            return response
        who = {**who, "principal": principal}
        if action == "encode" and principal not in encoders:
            return refused(403, "this principal may not encode", who)
        body = await read_body(request)
        try:
            # Tolerant of fields newer UIs may add: decode what is known, keep the rest out.
            text = body.decode("utf-8")
            payloads = json_format.Parse(text, Payloads(), ignore_unknown_fields=True).payloads
        except (json_format.ParseError, UnicodeDecodeError):
            return refused(400, 'body must be {"payloads": [...]} in protobuf JSON', who)
        apply: Apply = codec.decode if action == "decode" else codec.encode
        try:
            answered = await apply(payloads)
            if action == "decode" and not allow_plain:
                answered = refuse_plain(payloads, answered, who)
            result = Payloads(payloads=answered)
        except UndecryptablePayload as err:
            return refused(422, str(err), {**who, "workflow_ids": _workflows(payloads)})
        access.info(
            f"payloads {action}d", count=len(payloads), workflow_ids=_workflows(payloads), **who
        )
        return web.json_response(text=json_format.MessageToJson(result))

    app = web.Application(middlewares=[json_errors], client_max_size=MAX_BODY)
    app.router.add_route("OPTIONS", "/{tail:.*}", preflight)
    app.router.add_post("/{tail:.*}", codec_call)
    return app


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m doors.codec_server", description=__doc__)
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
    encoders = frozenset(
        e.strip() for e in os.environ.get("TRAPPEBRO_CODEC_ENCODERS", "").split(",") if e.strip()
    )
    allow_plain = os.environ.get("TRAPPEBRO_CODEC_ALLOW_PLAIN", "0").strip().lower() in (
        "1",
        "true",
    )
    codec = EncryptionCodec(settings.payload_keys)
    app = build_app(codec, tokens, origins, encoders, allow_plain)
    return await serve(app, args.host, args.port, "codec server")


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    run_main(main)
