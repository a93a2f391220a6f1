"""The pull feed on the HTTP door, for case systems that poll instead of receiving webhooks.

``GET /outbox?after=<cursor>&limit=<n>`` answers ``{"events": [...], "next": "<cursor>"}``:
the same CloudEvents bodies a webhook gets, in a stable order, from after ``after`` (none:
from the start). ``next`` goes into the following request; it is opaque, so keep it as it
is. ``POST /outbox/ack`` with ``{"ids": [...]}`` marks those messages delivered: the case
system has them. Same authentication as ``/events``.

The order is the writing transaction's id, then the key. A page holds only rows of
transactions older than any still open (``pg_snapshot_xmin``), so a row whose transaction
commits late can never land behind a cursor that has already passed its place.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog
from aiohttp import web

from infrastructure.http_serve import problem
from outbox.event import COLUMNS, as_json
from outbox.notify import CaseNotifier

log = structlog.get_logger(__name__)

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_ACK = 1000

# Who is calling, and the body, read only after the credentials held: the door's own path
# (doors/http.py), which also answers a refusal.
Authorised = Callable[[web.Request], Awaitable[tuple[str, bytes]]]

_PAGE = f"""
SELECT {", ".join(COLUMNS)}, txid::text AS txid FROM outbox
WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
  AND (txid, message_key) > ($1::text::xid8, $2)
ORDER BY txid, message_key
LIMIT $3
"""
_ACK = """
UPDATE outbox SET acknowledged_at = COALESCE(acknowledged_at, now()), acknowledged_by = $2,
    delivered_at = COALESCE(delivered_at, now()), state = 'delivered'
WHERE message_key = ANY($1::text[])
RETURNING message_key, case_id, kind, level
"""
START = ("0", "")


class BadRequest(Exception):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def encode_cursor(txid: str, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([txid, key]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        txid, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, binascii.Error):
        raise BadRequest("after", "not a cursor this feed gave out") from None
    if not (isinstance(txid, str) and txid.isdigit() and isinstance(key, str)):
        raise BadRequest("after", "not a cursor this feed gave out")
    return txid, key


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest("limit", f"must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


async def page(pool: asyncpg.Pool, after: str | None, limit: int) -> dict[str, Any]:
    txid, key = decode_cursor(after) if after else START
    rows = await pool.fetch(_PAGE, txid, key, limit)
    following = encode_cursor(rows[-1]["txid"], rows[-1]["message_key"]) if rows else after
    return {"events": [as_json(r) for r in rows], "next": following or encode_cursor(*START)}


def ack_ids(body: bytes) -> list[str]:
    try:
        parsed = json.loads(body)
    except ValueError:
        raise BadRequest("body", "not valid JSON") from None
    ids = parsed.get("ids") if isinstance(parsed, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
        raise BadRequest("ids", "must be a non-empty list of event ids")
    if len(ids) > MAX_ACK:
        raise BadRequest("ids", f"at most {MAX_ACK} per request")
    return ids


async def acknowledge(
    pool: asyncpg.Pool, ids: list[str], principal: str, notifier: CaseNotifier | None = None
) -> dict[str, Any]:
    """Mark delivered; then (best effort, after the write) tell their cases."""
    rows = await pool.fetch(_ACK, ids, principal)
    if notifier is not None:
        notifier.tell_rows((r, "delivered", "") for r in rows)
    done = {r["message_key"] for r in rows}
    return {"acknowledged": len(done), "unknown": [i for i in ids if i not in done]}


def add_feed(
    app: web.Application,
    pool: asyncpg.Pool,
    authorised: Authorised,
    notifier: CaseNotifier | None = None,
) -> None:
    """Register ``GET /outbox`` and ``POST /outbox/ack`` on the door's ``app``; with a
    ``notifier``, cases hear of their acknowledged escalations."""

    def guarded(
        handler: Callable[[web.Request, bytes, str], Awaitable[dict[str, Any]]],
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def answer(request: web.Request) -> web.Response:
            # A refusal of the credentials is the door's to answer (its middleware).
            principal, body = await authorised(request)
            try:
                return web.json_response(await handler(request, body, principal))
            except BadRequest as bad:
                return problem(400, str(bad), field=bad.field, reason=bad.reason)

        return answer

    async def get_page(request: web.Request, _: bytes, principal: str) -> dict[str, Any]:
        limit = parse_limit(request.query.get("limit"))
        result = await page(pool, request.query.get("after"), limit)
        log.info("outbox feed read", principal=principal, events=len(result["events"]))
        return result

    async def post_ack(_: web.Request, body: bytes, principal: str) -> dict[str, Any]:
        result = await acknowledge(pool, ack_ids(body), principal, notifier)
        log.info("outbox acknowledged", principal=principal, count=result["acknowledged"])
        return result

    app.router.add_get("/outbox", guarded(get_page))
    app.router.add_post("/outbox/ack", guarded(post_ack))


_SECURITY: list[dict[str, list[str]]] = [{"bearer": []}, {"signature": []}]
_PROBLEM = {"description": "refused: the body names the field and the reason"}
# The feed's part of the door's OpenAPI description (doors/openapi.py has the rest).
FEED_PATHS: dict[str, Any] = {
    "/outbox": {
        "get": {
            "summary": "Outbox messages as CloudEvents 1.0, after a cursor, in a stable order",
            "security": _SECURITY,
            "parameters": [
                {
                    "name": "after",
                    "in": "query",
                    "schema": {"type": "string"},
                    "description": "the 'next' of the previous page; none: from the start",
                },
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                },
            ],
            "responses": {
                "200": {"description": '{"events": [CloudEvent, ...], "next": "<cursor>"}'},
                "400": _PROBLEM,
                "401": _PROBLEM,
            },
        }
    },
    "/outbox/ack": {
        "post": {
            "summary": "Acknowledge messages by event id: they are delivered",
            "security": _SECURITY,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["ids"],
                            "properties": {
                                "ids": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                    "minItems": 1,
                                    "maxItems": MAX_ACK,
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {"description": '{"acknowledged": n, "unknown": [ids not found]}'},
                "400": _PROBLEM,
                "401": _PROBLEM,
            },
        }
    },
}
