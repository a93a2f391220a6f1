"""Apply the database migrations and exit: ``python -m migrate``.

Run before the workers of a new version start (the Kubernetes init container, the compose
``migrate`` service). Idempotent and safe to run from several places at once: migrations
apply in order under an advisory lock (infrastructure/postgres.py). Exit 0 when the schema is
current, 2 without DATABASE_URL.
"""

from __future__ import annotations

import asyncio

import structlog

from infrastructure.exit import run_main
from infrastructure.postgres import migrate
from observability.logs import start_with_database

log = structlog.get_logger("migrate")


async def run() -> int:
    started = start_with_database(log, "DATABASE_URL is not set")
    if started is None:
        return 2
    applied = await migrate(started[1])
    log.info("schema is current", applied=applied)
    return 0


def main() -> int:
    return asyncio.run(run())


if __name__ == "__main__":
    run_main(main)
