"""Run the case worker until SIGTERM or SIGINT (configuration: see service/config.py)."""

import asyncio
import signal

import structlog

from activities.db import create_pool
from service.config import load_settings
from service.exit import run_main
from service.logs import configure_logging
from service.temporal import MissingPayloadKey, connect, service_converter
from service.wiring import create_worker

log = structlog.get_logger("worker")


async def serve() -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    if settings.database_url is None:
        log.error("DATABASE_URL is not set; scripts/up runs the worker on embedded defaults")
        return 2
    try:
        service_converter(settings)
    except MissingPayloadKey as err:
        log.error(str(err))
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    pool = await create_pool(settings.database_url, settings.db_pool_max)
    try:
        client = await connect(settings)
        worker = create_worker(client, settings.task_queue, pool, settings.policy_path)
        log.info(
            "worker started",
            task_queue=settings.task_queue,
            namespace=settings.temporal_namespace,
            address=settings.temporal_address,
            policy=settings.policy_path.name,
        )
        async with worker:
            await stop.wait()
            log.info("worker stopping: finishing running tasks")
    finally:
        await pool.close()
    log.info("worker stopped")
    return 0


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    run_main(main)
