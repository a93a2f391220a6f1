"""The lines the dev stack prints once it is up: where everything is and what to try."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import structlog
from rich.console import Console
from rich.text import Text

from devstack.parts import DEFAULT_PORT, DEMO_POLICY, TOKENS_VAR, Stack
from infrastructure.config import Settings

log = structlog.get_logger("devstack")


def print_banner(
    settings: Settings, args: argparse.Namespace, database_url: str, stack: Stack
) -> None:
    # Plain lines, never wrapped or cut, so URLs and commands copy-paste from any terminal.
    console = Console(highlight=False, soft_wrap=True)
    where = f"embedded, data in {_show_path(stack.pg.data_dir)}" if stack.pg else "DATABASE_URL"
    if stack.worker is not None:
        policy = os.environ.get("TRAPPEBRO_POLICY") or DEMO_POLICY
        worker = f"pid {stack.worker.pid}, task queue {settings.task_queue}, policy {policy}"
    else:
        worker = "not started (--no-worker)"
    address = "" if args.port == DEFAULT_PORT else f" --address {settings.temporal_address}"
    rows = [
        ("Web UI", f"http://{args.ip}:{args.ui_port}"),
        ("Temporal", f"{settings.temporal_address}, namespace {settings.temporal_namespace}"),
        ("PostgreSQL", f"{database_url}  ({where})"),
        ("Codec", _codec_row(args, stack)),
        ("Worker", worker),
        ("Relay", _relay_row(stack)),
        ("Board", stack.board_url or "not started (--no-worker)"),
        ("Try", ".venv/bin/python starter.py demo"),
        ("", ".venv/bin/python starter.py ingest FILE"),
        ("", f".venv/bin/temporal workflow list{address} --query 'Stalled=true'"),
    ]
    console.print("[bold green]trappebro dev stack is up[/]  (Ctrl-C stops it)")
    for label, value in rows:
        console.print(Text.assemble((f"  {label:<12}", "bold"), value))


def _relay_row(stack: Stack) -> str:
    if stack.relay is None:
        return "not started (--no-worker)"
    receivers = os.environ.get("TRAPPEBRO_RECEIVERS") or "policies/receivers.dev.toml"
    return f"pid {stack.relay.pid}, receivers {receivers}; see them arrive: " + (
        ".venv/bin/python -m outbox.receiver"
    )


def _codec_row(args: argparse.Namespace, stack: Stack) -> str:
    if stack.codec is None:
        return "not started: payloads are plain (TRAPPEBRO_PLAINTEXT_PAYLOADS)"
    configured = os.environ.get(TOKENS_VAR) or os.environ.get(f"{TOKENS_VAR}_FILE")
    tokens = "as configured" if configured else _show_path(args.data_dir / "codec-tokens")
    return f"http://{args.ip}:{args.codec_port}, the UI decodes through it (tokens: {tokens})"


def _show_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
