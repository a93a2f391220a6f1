"""Helpers for the board's tests and benchmark: a board served in this process on a free
loopback port, and a leads file written for the test."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from board.app import make_app
from board.config import load_board_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_leads(folder: Path, leads: Mapping[str, tuple[list[str], list[str]]]) -> Path:
    """A leads file: staff id -> (teams, departments)."""
    lines = []
    for staff_id, (teams, departments) in leads.items():
        lines += [f'[leads."{staff_id}"]', f'name = "Leder {staff_id}"',
                  f"teams = {teams!r}", f"departments = {departments!r}", ""]  # fmt: skip
    path = folder / "leads.toml"
    path.write_text("\n".join(lines).replace("'", '"'), encoding="utf-8")
    return path


@asynccontextmanager
async def running_board(
    database_url: str, leads: Path, env: Mapping[str, str] | None = None
) -> AsyncIterator[str]:
    """The board with the development login on a free loopback port unless `env` says
    otherwise; yields its base URL."""
    port = free_port()
    settings = load_board_settings({
        "TRAPPEBRO_BOARD_ADDRESS": f"127.0.0.1:{port}",
        "TRAPPEBRO_BOARD_DEV_LOGIN": "1",
        "TRAPPEBRO_BOARD_LEADS": str(leads),
        "TRAPPEBRO_BOARD_POLL_SECONDS": "2",
        **(env or {}),
    })  # fmt: skip
    runner = web.AppRunner(make_app(settings, database_url), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    try:
        yield f"http://{settings.host}:{settings.port}"
    finally:
        await runner.cleanup()
