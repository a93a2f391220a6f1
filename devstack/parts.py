"""What the dev stack runs and how long it waits for it: the running parts, ports, names."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from infrastructure.config import REPO_ROOT
from infrastructure.postgres import (
    EmbeddedPostgres,
)

log = structlog.get_logger("devstack")

DEFAULT_PORT = 7233
DEFAULT_UI_PORT = 8233
# The codec server's principals in a generated token file: ops staff at the CLI, and the
# Web UI, which cannot send a header and carries its token in the endpoint URL.
CODEC_PRINCIPALS = ("ops-dev", "web-ui")
KEY_FILE_VAR = "TRAPPEBRO_PAYLOAD_KEY_FILE"
TOKENS_VAR = "TRAPPEBRO_CODEC_TOKENS"
DEFAULT_IP = "127.0.0.1"
DEMO_POLICY = "policies/demo.toml"
WORKER_SCRIPT = REPO_ROOT / "worker.py"

# Longer than the worker's own graceful shutdown (35 s), so a stop never cuts an activity.
WORKER_STOP_TIMEOUT = 45.0
SERVER_STOP_TIMEOUT = 15.0
SERVER_START_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class StartupError(Exception):
    """A part of the stack could not start; the message says which and why."""


class Interrupted(Exception):
    """SIGINT/SIGTERM arrived while the stack was still starting."""


def find_executable(name: str) -> str | None:
    """``name`` on PATH, or beside this interpreter: ``.venv/bin/python -m devstack``
    works without activating the venv, whose bin folder is then not on PATH."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which(name, path=search)


@dataclass
class Stack:
    """What is running, so shutdown knows what to stop whatever step startup reached."""

    server: asyncio.subprocess.Process | None = None
    server_output: asyncio.Task[None] | None = None
    pg: EmbeddedPostgres | None = None
    worker: asyncio.subprocess.Process | None = None
    relay: asyncio.subprocess.Process | None = None
    board: asyncio.subprocess.Process | None = None
    board_url: str = ""
    codec: asyncio.subprocess.Process | None = None
    codec_endpoint: str = ""
    stopping: bool = False
    # Dev-server lines logged after shutdown began: the server reports its own shutdown
    # as a burst of errors, shown only if it then exits with a failure.
    held_output: deque[bytes] = field(default_factory=lambda: deque(maxlen=200))
