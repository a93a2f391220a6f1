"""Run the outbox relay until SIGTERM or SIGINT: ``python -m outbox``.

Reads DATABASE_URL, ``TRAPPEBRO_RECEIVERS`` (the receivers file, outbox/config.py)
and ``TRAPPEBRO_METRICS_ADDRESS`` like the worker. Exit 2 when either is missing or the
receivers file is refused; the error names the setting. The Temporal settings and the
payload key, as the worker's, let it tell each case what became of its escalations
(outbox/notify.py); without a key it delivers all the same and says so.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import structlog

from activities.db import create_pool
from infrastructure.config import REPO_ROOT, Settings, load_settings
from infrastructure.exit import run_main, stop_on_signals
from infrastructure.temporal import NO_KEY, connect, service_runtime
from observability.logs import configure_logging
from outbox.config import RECEIVERS_VAR, ConfigError, load_config
from outbox.notify import CaseNotifier
from outbox.relay import Relay

log = structlog.get_logger("outbox")


def receivers_path() -> Path | None:
    raw = os.environ.get(RECEIVERS_VAR, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


async def serve() -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    path = receivers_path()
    if settings.database_url is None or path is None:
        log.error(f"set DATABASE_URL and {RECEIVERS_VAR} (the receivers file)")
        return 2
    try:
        config = load_config(path)
    except ConfigError as err:
        log.error(str(err))
        return 2
    stop = stop_on_signals()
    meter = None
    if settings.metrics_address is not None:
        meter = service_runtime(settings.metrics_address).metric_meter
    pool = await create_pool(settings.database_url, 4)
    try:
        log.info("relay started", receivers=[r.name for r in config.receivers], file=path.name)
        await Relay(pool, config, meter, notifier=notifier(settings)).run(stop)
    finally:
        await pool.close()
    log.info("relay stopped")
    return 0


def notifier(settings: Settings) -> CaseNotifier | None:
    """Tells cases of their deliveries through the worker's Temporal settings and key."""
    if settings.payload_keys is None and not settings.plaintext_payloads:
        log.error("cases will not be told of deliveries: " + NO_KEY)
        return None
    return CaseNotifier(lambda: connect(settings, metrics=True))


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    run_main(main)
