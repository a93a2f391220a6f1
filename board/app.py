"""The board's aiohttp application and its start: `python -m board` (scripts/up runs it)."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import aiohttp
import asyncpg
import structlog
from aiohttp import web

from activities.db import create_pool
from board import keys, signin, views
from board.config import BoardSettings, load_board_settings
from board.i18n import LANGUAGES, choose
from board.leads import load_leads
from board.oidc import OidcClient
from board.render import page
from board.security import Signer, security_headers
from infrastructure.config import load_settings
from observability.logs import configure_logging

STATIC = Path(__file__).resolve().parent / "static"
LANG_COOKIE = "board_lang"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
log = structlog.get_logger("board")


@web.middleware
async def board_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Language, sign-in and lead, then the page; headers and the CSRF cookie on every answer."""
    asked = request.query.get("lang")
    request[keys.LANG] = choose(asked, request.cookies.get(LANG_COOKIE),
                             request.headers.get("Accept-Language"))  # fmt: skip
    signer: Signer = request.app[keys.SIGNER]
    response = await _guarded(request, handler, signer)
    if asked in LANGUAGES:
        response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, path="/", samesite="Lax")
    signer.finish(request, response)
    security_headers(response)
    return response


async def _guarded(request: web.Request, handler: Handler, signer: Signer) -> web.StreamResponse:
    if request.path in signin.PUBLIC or request.path.startswith("/static/"):
        return await handler(request)
    viewer = signer.viewer(request)
    if viewer is None:
        if request.path == "/now/version":
            return web.json_response({"signed_in": False}, status=401)
        return signin.redirect("/login", 302)
    request[keys.VIEWER] = viewer
    lead = request.app[keys.LEADS].get(viewer.staff_id)
    if lead is None:
        return page(request, "error.html", status=403, reason="no_teams")
    request[keys.LEAD] = lead
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return page(request, "error.html", status=404, reason="not_found")


def make_app(settings: BoardSettings, database_url: str) -> web.Application:
    app = web.Application(middlewares=[board_middleware])
    app[keys.SETTINGS] = settings
    app[keys.LEADS] = load_leads(settings.leads_path)
    app[keys.SIGNER] = Signer(settings.secret, settings.session_minutes * 60,
                           secure=not settings.loopback)  # fmt: skip
    app.add_routes(signin.routes)
    app.add_routes(views.routes)
    app.router.add_static("/static/", STATIC)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        app[keys.POOL] = await create_pool(database_url, max_size=5)
        http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app[keys.OIDC] = OidcClient(settings.oidc, http) if settings.oidc else None
        yield
        await http.close()
        pool: asyncpg.Pool = app[keys.POOL]
        await pool.close()

    app.cleanup_ctx.append(resources)
    return app


async def serve(settings: BoardSettings, database_url: str, stop: asyncio.Event) -> None:
    runner = web.AppRunner(make_app(settings, database_url), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    log.info("board listening", url=f"http://{settings.host}:{settings.port}/",
             dev_login=settings.dev_login, oidc=settings.oidc is not None)  # fmt: skip
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> int:
    base = load_settings()
    configure_logging(base.log_level)
    settings = load_board_settings()
    database_url = base.database_url
    if database_url is None:
        raise SystemExit("board: DATABASE_URL is not set")
    stop = asyncio.Event()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await serve(settings, database_url, stop)

    asyncio.run(run())
    return 0
