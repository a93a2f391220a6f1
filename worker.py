"""Run the case worker until SIGTERM or SIGINT (configuration: see infrastructure/config.py)."""

import asyncio

import structlog

from activities.db import create_pool
from composition import create_worker
from infrastructure.exit import run_main, stop_on_signals
from infrastructure.temporal import MissingPayloadKey, connect, service_converter, service_runtime
from observability.health import Health, operations
from observability.logs import start_with_database
from observability.tracing import TracingUnavailable, tracing_interceptors

log = structlog.get_logger("worker")


async def serve() -> int:
    missing = "DATABASE_URL is not set; scripts/up runs the worker on embedded defaults"
    started = start_with_database(log, missing)
    if started is None:
        return 2
    settings, database_url = started
    try:
        service_converter(settings)
        interceptors = tracing_interceptors(settings)
    except (MissingPayloadKey, TracingUnavailable) as err:
        log.error(str(err))
        return 2
    stop = stop_on_signals()
    pool = await create_pool(database_url, settings.db_pool_max)
    try:
        client = await connect(settings, metrics=True, interceptors=interceptors)
        worker = create_worker(client, settings.task_queue, pool, settings.policy_path)
        health = Health(client, pool)
        meter = service_runtime(settings.metrics_address).metric_meter
        ops = operations(health, settings.health_address, meter, settings.metrics_interval)
        async with ops, worker:
            health.polling = True
            log.info(
                "worker started",
                task_queue=settings.task_queue,
                namespace=settings.temporal_namespace,
                address=settings.temporal_address,
                policy=settings.policy_path.name,
                metrics=settings.metrics_address,
                health=settings.health_address,
            )
            await stop.wait()
            health.stopping = True
            log.info("worker stopping: finishing running tasks")
    finally:
        await pool.close()
    log.info("worker stopped")
    return 0


def main() -> int:
    return asyncio.run(serve())


if __name__ == "__main__":
    run_main(main)
