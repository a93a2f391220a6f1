"""A small but real OpenID Connect provider for the board's sign-in tests: discovery, an
authorization endpoint that signs in one configured user at once, a token endpoint that
checks the code, redirect URI, client and PKCE verifier, and RS256 ID tokens with a JWKS."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from board.testing import free_port
from testkit.common import serving_on


@dataclass
class Provider:
    client_id: str
    user: str = "tl-a"
    tamper: str = ""  # "nonce", "audience" or "key": what the next ID token gets wrong
    issuer: str = ""
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self.discovery)
        app.router.add_get("/authorize", self.authorize)
        app.router.add_post("/token", self.token)
        app.router.add_get("/jwks", self.jwks)
        return app

    async def discovery(self, request: web.Request) -> web.Response:
        return web.json_response({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
        })  # fmt: skip

    async def authorize(self, request: web.Request) -> web.Response:
        q = request.query
        assert q["response_type"] == "code" and q["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {k: q[k] for k in ("redirect_uri", "nonce", "code_challenge")}
        back = f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        return web.Response(status=302, headers={"Location": back})

    async def token(self, request: web.Request) -> web.Response:
        form = await request.post()
        grant = self.codes.pop(str(form.get("code")), None)
        verifier = str(form.get("code_verifier", "")).encode()
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
        if (grant is None or form.get("client_id") != self.client_id
                or form.get("redirect_uri") != grant["redirect_uri"]
                or challenge.decode() != grant["code_challenge"]):  # fmt: skip
            return web.json_response({"error": "invalid_grant"}, status=400)
        return web.json_response({"id_token": self._id_token(grant["nonce"]),
                                  "token_type": "Bearer"})  # fmt: skip

    def _id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": "u-1", "aud": self.client_id, "iat": now,
            "exp": now + 300, "nonce": nonce, "preferred_username": self.user,
        }  # fmt: skip
        key = self.key
        if self.tamper == "nonce":
            claims["nonce"] = "another"
        elif self.tamper == "audience":
            claims["aud"] = "another-client"
        elif self.tamper == "key":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    async def jwks(self, request: web.Request) -> web.Response:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return web.json_response({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})


@asynccontextmanager
async def serving(provider: Provider) -> AsyncIterator[Provider]:
    port = free_port()
    provider.issuer = f"http://127.0.0.1:{port}"
    async with serving_on(provider.app(), port):
        yield provider
