"""OpenID Connect sign-in: authorization code flow with PKCE (S256), state and nonce; the
ID token is verified with PyJWT against the provider's JWKS (signature, issuer, audience,
expiry, nonce). Discovery and keys are fetched once per board start."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

import aiohttp
import jwt

from board.config import OidcSettings

ALGORITHMS = ["RS256", "ES256", "PS256"]


class SignInError(Exception):
    """The provider's answer could not be trusted; the viewer is not signed in."""


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(self, settings: OidcSettings, session: aiohttp.ClientSession) -> None:
        self.settings = settings
        self._http = session
        self._meta: dict[str, Any] | None = None
        self._keys: jwt.PyJWKSet | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._meta is None:
            url = f"{self.settings.issuer}/.well-known/openid-configuration"
            meta = await self._get_json(url)
            if meta.get("issuer", "").rstrip("/") != self.settings.issuer:
                raise SignInError("the discovery document names another issuer")
            self._meta = meta
        return self._meta

    async def start(self) -> tuple[str, dict[str, str]]:
        """The provider URL to send the browser to, and the flow to keep in a signed cookie."""
        meta = await self.metadata()
        flow = {
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48),
        }
        query = {
            "response_type": "code",
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.redirect_url,
            "scope": "openid profile",
            "state": flow["state"],
            "nonce": flow["nonce"],
            "code_challenge": _challenge(flow["verifier"]),
            "code_challenge_method": "S256",
        }
        return f"{meta['authorization_endpoint']}?{urlencode(query)}", flow

    async def finish(self, flow: dict[str, str], state: str, code: str) -> str:
        """Exchange the code; the verified staff id (the configured claim)."""
        if not secrets.compare_digest(flow["state"], state):
            raise SignInError("state does not match")
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.settings.redirect_url,
            "client_id": self.settings.client_id,
            "code_verifier": flow["verifier"],
        }
        if self.settings.client_secret:
            form["client_secret"] = self.settings.client_secret
        async with self._http.post(meta["token_endpoint"], data=form) as response:
            if response.status != 200:
                raise SignInError(f"token endpoint answered {response.status}")
            tokens = await response.json()
        claims = await self._verify(str(tokens.get("id_token", "")), flow["nonce"])
        staff_id = claims.get(self.settings.claim)
        if not isinstance(staff_id, str) or not staff_id:
            raise SignInError(f"the ID token has no {self.settings.claim}")
        return staff_id

    async def _verify(self, token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
            key = (await self._key_set())[str(header.get("kid", ""))]
            claims: dict[str, Any] = jwt.decode(
                token, key=key, algorithms=ALGORITHMS, audience=self.settings.client_id,
                issuer=(await self.metadata())["issuer"],
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )  # fmt: skip
        except (jwt.PyJWTError, KeyError) as error:
            raise SignInError(f"ID token refused: {error}") from error
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise SignInError("nonce does not match")
        return claims

    async def _key_set(self) -> jwt.PyJWKSet:
        if self._keys is None:
            meta = await self.metadata()
            self._keys = jwt.PyJWKSet.from_dict(await self._get_json(meta["jwks_uri"]))
        return self._keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        async with self._http.get(url) as response:
            if response.status != 200:
                raise SignInError(f"{url} answered {response.status}")
            data: dict[str, Any] = await response.json(content_type=None)
            return data
