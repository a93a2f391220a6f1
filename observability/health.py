"""What a worker runs beside its pollers for operations: the health endpoint and the
cases-per-stage gauges (the metrics themselves are served by the SDK runtime).

- ``GET /livez``: 200 while the process and its event loop answer. Deliberately no
  dependency checks: a Temporal or PostgreSQL outage is not cured by restarting workers,
  and restarting them all at once would only add load when it comes back.
- ``GET /readyz`` (and ``/health``): 200 once the worker polls and while Temporal and
  PostgreSQL both answer; 503 before, while stopping, or when one does not answer (the
  body says which). A rolling update waits for the new pod to be ready.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import structlog
from aiohttp import web
from temporalio.client import Client
from temporalio.common import MetricMeter

from infrastructure.http_serve import json_errors
from observability.metrics import keep_case_gauges

log = structlog.get_logger(__name__)

CHECK_TIMEOUT = 3.0


@dataclass
class Health:
    client: Client
    pool: asyncpg.Pool
    polling: bool = False
    stopping: bool = False

    async def checks(self) -> dict[str, str]:
        """Each dependency's answer: "ok" or why not."""
        return {
            "temporal": await _check(self.client.service_client.check_health()),
            "postgres": await _check(self.pool.fetchval("SELECT 1")),
        }


async def _check(probe: object) -> str:
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT)  # type: ignore[arg-type]
    except TimeoutError:
        return f"no answer in {CHECK_TIMEOUT:.0f}s"
    except Exception as err:
        return type(err).__name__
    return "ok"


def health_app(health: Health) -> web.Application:
    async def livez(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(_: web.Request) -> web.Response:
        checks = await health.checks()
        worker = "stopping" if health.stopping else "polling" if health.polling else "starting"
        ok = worker == "polling" and all(v == "ok" for v in checks.values())
        body = {"status": "ok" if ok else "unavailable", "worker": worker, **checks}
        return web.json_response(body, status=200 if ok else 503)

    app = web.Application(middlewares=[json_errors])
    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/health", readyz)
    return app


@contextlib.asynccontextmanager
async def operations(
    health: Health, address: str | None, meter: MetricMeter, gauge_every: float
) -> AsyncIterator[None]:
    """Serve health on ``address`` (if set) and keep the case gauges while inside."""
    runner: web.AppRunner | None = None
    if address is not None:
        host, _, port = address.rpartition(":")
        runner = web.AppRunner(health_app(health), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, int(port), shutdown_timeout=5).start()
        log.info("health endpoint listening", host=host, port=int(port))
    gauges = asyncio.create_task(keep_case_gauges(health.pool, meter, gauge_every))
    try:
        yield
    finally:
        gauges.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gauges
        if runner is not None:
            await runner.cleanup()
