"""Signing in to the board through OpenID Connect against a real (small) provider: the
code flow with PKCE lands a lead on their overview; a token with the wrong nonce, audience
or signing key signs nobody in; without the development login its form is gone."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from board.testing import free_port, running_board, write_leads
from tests.system.oidc_provider import Provider, serving

SECRET = "a-test-secret-of-more-than-32-characters"


async def _sign_in(base: str) -> tuple[int, str]:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session, session.get(
        f"{base}/login/oidc"
    ) as r:
        return r.status, await r.text()


@pytest.mark.parametrize("tamper", ["", "nonce", "audience", "key"])
async def test_single_sign_on(clean_db: str, tmp_path: Path, tamper: str) -> None:
    leads = write_leads(tmp_path, {"tl-a": (["sygedagpenge-1"], [])})
    async with serving(Provider(client_id="board", tamper=tamper)) as provider:
        port = free_port()
        env = {
            "TRAPPEBRO_BOARD_ADDRESS": f"127.0.0.1:{port}", "TRAPPEBRO_BOARD_DEV_LOGIN": "0",
            "TRAPPEBRO_BOARD_SECRET": SECRET, "TRAPPEBRO_BOARD_OIDC_ISSUER": provider.issuer,
            "TRAPPEBRO_BOARD_OIDC_CLIENT_ID": "board",
            "TRAPPEBRO_BOARD_OIDC_REDIRECT_URL": f"http://127.0.0.1:{port}/auth/callback",
        }  # fmt: skip
        async with running_board(clean_db, leads, env) as base:
            status, page = await _sign_in(base)
            if tamper:
                assert status == 400 and "Login mislykkedes" in page
                assert "Logget ind som" not in page
            else:
                assert status == 200 and "Logget ind som Leder tl-a (tl-a)" in page
            async with aiohttp.ClientSession() as anonymous:
                async with anonymous.get(f"{base}/login") as r:
                    assert "Udviklingslogin" not in await r.text()
                async with anonymous.post(f"{base}/dev-login", data={"staff_id": "tl-a"}) as r:
                    assert r.status == 404
