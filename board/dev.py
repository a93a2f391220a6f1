"""How the dev stack (scripts/up) runs the board: on loopback, with the development login
explicitly on and the demo leads file, linking to this stack's Web UI."""

from __future__ import annotations

from board.config import DEFAULT_ADDRESS


def board_env(worker_env: dict[str, str], web_ui: str) -> dict[str, str]:
    env = dict(worker_env)
    env.setdefault("TRAPPEBRO_BOARD_ADDRESS", DEFAULT_ADDRESS)
    env["TRAPPEBRO_BOARD_DEV_LOGIN"] = "1"
    env.setdefault("TRAPPEBRO_BOARD_TEMPORAL_UI", web_ui)
    return env


def board_url(env: dict[str, str]) -> str:
    return f"http://{env['TRAPPEBRO_BOARD_ADDRESS']}/"
