"""Signing in and out: OpenID Connect, or the development login (only when enabled and
only on a loopback address: board/config.py refuses anything else at start)."""

from __future__ import annotations

import structlog
from aiohttp import web

from board import keys
from board.oidc import OidcClient, SignInError
from board.render import page
from board.security import Signer, Viewer

routes = web.RouteTableDef()
log = structlog.get_logger("board")
FLOW_COOKIE = "board_oidc_flow"
PUBLIC = frozenset({"/login", "/login/oidc", "/auth/callback", "/dev-login", "/healthz"})


def _signer(request: web.Request) -> Signer:
    signer: Signer = request.app[keys.SIGNER]
    return signer


@routes.get("/login")
async def login(request: web.Request) -> web.StreamResponse:
    settings = request.app[keys.SETTINGS]
    leads = sorted(request.app[keys.LEADS].values(), key=lambda lead: lead.staff_id)
    return page(request, "login.html", oidc=settings.oidc is not None,
                dev_login=settings.dev_login, leads=leads)  # fmt: skip


@routes.get("/login/oidc")
async def login_oidc(request: web.Request) -> web.StreamResponse:
    client: OidcClient | None = request.app[keys.OIDC]
    if client is None:
        raise web.HTTPNotFound()
    url, flow = await client.start()
    response = redirect(url, 302)
    signer = _signer(request)
    response.set_cookie(FLOW_COOKIE, signer.flow_dump(flow), max_age=600, path="/auth",
                        httponly=True, secure=signer.secure, samesite="Lax")  # fmt: skip
    return response


@routes.get("/auth/callback")
async def callback(request: web.Request) -> web.StreamResponse:
    client: OidcClient | None = request.app[keys.OIDC]
    flow = _signer(request).flow_load(request.cookies.get(FLOW_COOKIE, ""))
    state, code = request.query.get("state", ""), request.query.get("code", "")
    if client is None or flow is None or not state or not code:
        return page(request, "error.html", status=400, reason="sign_in")
    try:
        staff_id = await client.finish(flow, state, code)
    except SignInError as error:
        log.warning("board sign-in refused", reason=str(error))
        return page(request, "error.html", status=400, reason="sign_in")
    return _signed_in(request, Viewer(staff_id=staff_id, via="oidc"))


@routes.post("/dev-login")
async def dev_login(request: web.Request) -> web.StreamResponse:
    if not request.app[keys.SETTINGS].dev_login:
        raise web.HTTPNotFound()
    form = await request.post()
    if not _signer(request).check_csrf(request, form):
        return page(request, "error.html", status=403, reason="csrf")
    staff_id = str(form.get("staff_id", ""))
    if staff_id not in request.app[keys.LEADS]:
        return page(request, "error.html", status=403, reason="no_teams")
    return _signed_in(request, Viewer(staff_id=staff_id, via="dev"))


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    if not _signer(request).check_csrf(request, form):
        return page(request, "error.html", status=403, reason="csrf")
    response = redirect("/login")
    _signer(request).sign_out(response)
    return response


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"ok": True})


def redirect(url: str, status: int = 303) -> web.Response:
    return web.Response(status=status, headers={"Location": url})


def _signed_in(request: web.Request, viewer: Viewer) -> web.StreamResponse:
    log.info("board sign-in", viewer=viewer.staff_id, via=viewer.via)
    response = redirect("/now")
    _signer(request).sign_in(response, viewer)
    response.del_cookie(FLOW_COOKIE, path="/auth")
    return response
