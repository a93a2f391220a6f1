"""The board's pages. Every handler below the sign-in ones runs for a signed-in lead (the
middleware in board/app.py sees to that) and shows only what that lead may see."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg
from aiohttp import web

from board import keys, queries
from board.i18n import translations
from board.leads import Lead
from board.render import page
from board.trends import trends
from board.words import escalated_line, event_line, stage_line

routes = web.RouteTableDef()


def _lead(request: web.Request) -> Lead:
    lead: Lead = request[keys.LEAD]
    return lead


def _pool(request: web.Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app[keys.POOL]
    return pool


@routes.get("/")
async def root(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/now")


@routes.get("/now")
async def now(request: web.Request) -> web.StreamResponse:
    async with _pool(request).acquire() as conn:
        lists = await queries.overview(conn, _lead(request))
        version = await queries.version(conn)
    context: dict[str, Any] = {**lists, "version": version}
    poll = request.app[keys.SETTINGS].poll_seconds
    return page(request, "now.html", poll_seconds=poll, **context)


@routes.get("/now/version")
async def now_version(request: web.Request) -> web.StreamResponse:
    async with _pool(request).acquire() as conn:
        return web.json_response({"version": await queries.version(conn)})


@routes.get("/cases/{case_id}")
async def one_case(request: web.Request) -> web.StreamResponse:
    case_id = request.match_info["case_id"]
    lead = _lead(request)
    async with _pool(request).acquire() as conn:
        case = await queries.one_case(conn, case_id)
        allowed = case is not None and lead.sees(case["team"], case["stage"])
        if case is not None:
            await log_access(conn, request, case_id, allowed)
        if case is None:
            return page(request, "error.html", status=404, reason="not_found")
        if not allowed:
            return page(request, "error.html", status=403, reason="forbidden")
        events, messages = await queries.case_history(conn, case_id)
    settings = request.app[keys.SETTINGS]
    ui = f"{settings.temporal_ui}/namespaces/{settings.temporal_namespace}/workflows/case-{case_id}"
    timeline = _timeline(request, case, events, messages)
    return page(request, "case.html", case=case, timeline=timeline, messages=messages,
                temporal_url=ui)  # fmt: skip


async def log_access(
    conn: asyncpg.Connection, request: web.Request, case_id: str, allowed: bool
) -> None:
    viewer = request[keys.VIEWER]
    await conn.execute(
        "INSERT INTO board_access_log (viewer, case_id, allowed, via) VALUES ($1, $2, $3, $4)",
        viewer.staff_id, case_id, allowed, viewer.via,
    )  # fmt: skip


def _timeline(
    request: web.Request,
    case: dict[str, Any],
    events: list[dict[str, Any]],
    messages: list[dict[str, Any]],
) -> list[tuple[Any, str]]:
    """Events, escalations and stage entries in business time order, each in words."""
    _ = translations(request[keys.LANG]).gettext
    lines: list[tuple[Any, str]] = [
        (e["occurred_at"], event_line(e["type"], _json(e["data"]), _)) for e in events
    ]
    for m in messages:
        if m["kind"] == "escalation" and m["level"]:
            lines.append((m["due_at"] or m["created_at"], escalated_line(m["level"], _)))
    for visit in _json(case["stages"]) or []:
        lines.append((_parse_time(visit.get("entered_at")), stage_line(visit["stage"], _)))
    return sorted((line for line in lines if line[0] is not None), key=lambda line: line[0])


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _parse_time(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


@routes.get("/trends")
async def trends_page(request: web.Request) -> web.StreamResponse:
    _ = translations(request[keys.LANG]).gettext
    async with _pool(request).acquire() as conn:
        charts = await trends(conn, _lead(request), _)
    return page(request, "trends.html", charts=charts)
