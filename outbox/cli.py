"""``starter.py outbox``: what the operators see of delivery, and their two levers.

starter.py outbox                      # pending, failed, dead-lettered, waiting on the feed
starter.py outbox --state dead         # one state only
starter.py outbox retry KEY            # a failed or dead-lettered message, attempts from 0
starter.py outbox resend KEY           # any message again (same webhook-id)
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from typing import Any

import asyncpg
from rich.console import Console
from rich.table import Table

from infrastructure.command_line import add_command, lacks_database, refuse
from outbox import ops


def add_parser(commands: Any) -> None:
    outbox = add_command(
        commands,
        "outbox",
        "list undelivered outbox messages; retry or re-send one",
        "Pending, failed (refused by the receiver), dead-lettered and pull-feed "
        "messages by recipient, age, attempts and the receiver's last answer (needs "
        "DATABASE_URL). 'retry KEY' sends a failed or dead-lettered message again; 'resend "
        "KEY' sends any message again under the same webhook-id.",
    )
    outbox.add_argument("action", nargs="?", choices=("list", "retry", "resend"), default="list")
    outbox.add_argument("key", nargs="?", help="the message key (retry, resend)")
    outbox.add_argument("--state", choices=ops.STATES, help="only this state")
    outbox.add_argument("--limit", type=int, default=200, help="rows listed at most (200)")


def _age(age: timedelta) -> str:
    seconds = int(age.total_seconds())
    if seconds < 3600:
        return f"{seconds // 60}m {seconds % 60}s"
    return f"{seconds // 86400}d {seconds % 86400 // 3600}h"


async def run(args: argparse.Namespace, database_url: str | None) -> int:
    console = Console(highlight=False, soft_wrap=True)
    if lacks_database(console, "outbox", database_url):
        return 2
    if args.action != "list" and not args.key:
        return refuse(console, f"outbox {args.action}", "name the message KEY")
    conn = await asyncpg.connect(database_url)
    try:
        if args.action == "list":
            states = (args.state,) if args.state else ops.OPEN_STATES
            _print(console, await ops.undelivered(conn, states, args.limit))
            return 0
        try:
            await (ops.retry if args.action == "retry" else ops.resend)(conn, args.key)
        except ops.Unknown as err:
            console.print(f"starter.py outbox {args.action}: {err}", style="red")
            return 1
        console.print(f"{args.key}: queued for sending again")
        return 0
    finally:
        await conn.close()


def _print(console: Console, rows: list[asyncpg.Record]) -> None:
    if not rows:
        console.print("Every outbox message is delivered.")
        return
    table = Table("message", "state", "recipients", "age", "attempts", "last answer")
    for r in rows:
        recipients = ", ".join(_names(r["recipients"]))
        answer = (r["last_answer"] or "")[:80]
        age = _age(r["age"])
        table.add_row(r["message_key"], r["state"], recipients, age, str(r["attempts"]), answer)
    console.print(table)


def _names(value: Any) -> list[str]:
    parsed = json.loads(value) if isinstance(value, str) else value
    return [str(n) for n in parsed or []]
