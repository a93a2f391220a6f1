"""What starter.py's subcommands share: their place on its parser and how they refuse to run
(exit status 2, one red line naming the command)."""

import argparse
from typing import Any

from rich.console import Console


def add_command(
    commands: Any, name: str, summary: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand on starter.py's parser (`commands`: its subparsers)."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=summary, description=description
    )
    return parser


def refuse(console: Console, command: str, problem: str) -> int:
    """Say why `starter.py <command>` does not run; its exit status."""
    console.print(f"starter.py {command}: {problem}", style="red")
    return 2


def lacks_database(console: Console, command: str, database_url: str | None) -> bool:
    """True (and said) when the command, which reads PostgreSQL, has no DATABASE_URL."""
    if database_url:
        return False
    refuse(console, command, "DATABASE_URL is not set")
    return True
