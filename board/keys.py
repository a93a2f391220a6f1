"""Typed keys for what the board keeps on its application and on each request."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from board.config import BoardSettings
from board.leads import Lead
from board.oidc import OidcClient
from board.security import Signer, Viewer

SETTINGS = web.AppKey("settings", BoardSettings)
LEADS = web.AppKey("leads", dict[str, Lead])
SIGNER = web.AppKey("signer", Signer)
POOL = web.AppKey("pool", asyncpg.Pool)
OIDC: web.AppKey[OidcClient | None] = web.AppKey("oidc")

LANG = web.RequestKey("lang", str)
VIEWER = web.RequestKey("viewer", Viewer)
LEAD = web.RequestKey("lead", Lead)
