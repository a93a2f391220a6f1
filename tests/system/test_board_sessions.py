"""Board sessions expire: a signed cookie older than its maximum age, or signed with
another key, or altered, signs nobody in; CSRF tokens the same."""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from board.security import CSRF_COOKIE, SESSION_COOKIE, Signer, Viewer

SECRET = "a-test-secret-of-more-than-32-characters"


def _cookie(signer: Signer, viewer: Viewer) -> str:
    response = web.Response()
    signer.sign_in(response, viewer)
    return response.cookies[SESSION_COOKIE].value


def _request(**cookies: str) -> web.Request:
    header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return make_mocked_request("GET", "/now", headers={"Cookie": header})


def test_a_session_ends_at_its_maximum_age_and_needs_the_key() -> None:
    signer = Signer(SECRET, max_age_seconds=1, secure=False)
    cookie = _cookie(signer, Viewer("tl-a", "oidc"))
    assert signer.viewer(_request(**{SESSION_COOKIE: cookie})) == Viewer("tl-a", "oidc")
    other = Signer(SECRET[::-1], max_age_seconds=60, secure=False)
    assert other.viewer(_request(**{SESSION_COOKIE: cookie})) is None
    assert signer.viewer(_request(**{SESSION_COOKIE: cookie[:-2] + "xx"})) is None
    time.sleep(2.1)  # itsdangerous counts whole seconds
    assert signer.viewer(_request(**{SESSION_COOKIE: cookie})) is None


def test_csrf_tokens_must_match_the_cookie_and_be_signed() -> None:
    signer = Signer(SECRET, max_age_seconds=60, secure=False)
    token = signer.csrf_token(_request())
    assert signer.check_csrf(_request(**{CSRF_COOKIE: token}), {"csrf_token": token})
    assert not signer.check_csrf(_request(**{CSRF_COOKIE: token}), {"csrf_token": "x" + token})
    assert not signer.check_csrf(_request(**{CSRF_COOKIE: "forged"}), {"csrf_token": "forged"})
    assert not signer.check_csrf(_request(), {"csrf_token": token})
