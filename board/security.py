"""Sessions, CSRF and security headers. A session is a signed cookie (itsdangerous) with a
maximum age: nothing to store server-side, and an old cookie stops working by itself.
CSRF is a signed double-submit token: the same value in a cookie and in each form."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "board_session"
CSRF_COOKIE = "board_csrf"
CSRF_FIELD = "csrf_token"
NEW_CSRF = web.RequestKey("new_csrf", str)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


@dataclass(frozen=True)
class Viewer:
    staff_id: str
    via: str  # "oidc" or "dev"


class Signer:
    def __init__(self, secret: str, max_age_seconds: int, secure: bool) -> None:
        self._sessions = URLSafeTimedSerializer(secret, salt="board-session")
        self._csrf = URLSafeTimedSerializer(secret, salt="board-csrf")
        self._flows = URLSafeTimedSerializer(secret, salt="board-oidc-flow")
        self.max_age = max_age_seconds
        self.secure = secure

    def viewer(self, request: web.Request) -> Viewer | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if raw is None:
            return None
        try:
            data = self._sessions.loads(raw, max_age=self.max_age)
        except BadSignature:  # SignatureExpired is one
            return None
        return Viewer(staff_id=str(data["sub"]), via=str(data["via"]))

    def sign_in(self, response: web.StreamResponse, viewer: Viewer) -> None:
        token = self._sessions.dumps({"sub": viewer.staff_id, "via": viewer.via})
        self._cookie(response, SESSION_COOKIE, token, self.max_age)

    def sign_out(self, response: web.StreamResponse) -> None:
        response.del_cookie(SESSION_COOKIE, path="/")

    def csrf_token(self, request: web.Request) -> str:
        """The request's token, or a new one (set on the response by the middleware)."""
        current = request.cookies.get(CSRF_COOKIE)
        if current is not None and self._valid_csrf(current):
            return current
        fresh: str = request.get(NEW_CSRF) or self._csrf.dumps(secrets.token_urlsafe(16))
        request[NEW_CSRF] = fresh
        return fresh

    def check_csrf(self, request: web.Request, form: Any) -> bool:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = str(form.get(CSRF_FIELD, ""))
        return bool(cookie) and hmac.compare_digest(cookie, sent) and self._valid_csrf(cookie)

    def _valid_csrf(self, token: str) -> bool:
        try:
            self._csrf.loads(token, max_age=self.max_age)
        except BadSignature:
            return False
        return True

    def flow_dump(self, data: dict[str, str]) -> str:
        return self._flows.dumps(data)

    def flow_load(self, raw: str) -> dict[str, str] | None:
        try:
            return dict(self._flows.loads(raw, max_age=600))
        except BadSignature:
            return None

    def _cookie(self, response: web.StreamResponse, name: str, value: str, age: int) -> None:
        response.set_cookie(name, value, max_age=age, path="/", httponly=True,
                            secure=self.secure, samesite="Lax")  # fmt: skip

    def finish(self, request: web.Request, response: web.StreamResponse) -> None:
        fresh = request.get(NEW_CSRF)
        if fresh is not None:
            response.set_cookie(CSRF_COOKIE, fresh, max_age=self.max_age, path="/",
                                httponly=True, secure=self.secure, samesite="Strict")  # fmt: skip


def security_headers(response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    response.headers.setdefault("Cache-Control", "no-store")
