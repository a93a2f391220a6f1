"""The service's own Prometheus metrics, beside the SDK's (both served by the SDK runtime).

Labels are codes only, never personal data: stage, department, escalation level and the
refusing rule's field and reason code. Case numbers, staff ids and event data never become
labels (they would also make the series count grow without bound).

- ``trappebro_cases{stage}`` and ``trappebro_cases_stalled{stage}``: open cases per stage,
  from the read model every ``TRAPPEBRO_METRICS_INTERVAL`` seconds (every worker replica
  reports the same figure: aggregate with ``max``, not ``sum``);
- ``trappebro_escalations_total{level, department, stage}``: escalation messages written to the
  outbox (counted when the row is inserted, so a retried activity does not count twice);
- ``trappebro_events_refused_total{field, reason}``: events the case's rules refused;
- ``trappebro_digests_total``: daily digest messages written;
- ``trappebro_outbox_undelivered{state}`` (pending, failed, dead, pull) and
  ``trappebro_outbox_oldest_undelivered_seconds`` (pending or waiting on the pull feed), from
  the outbox with the case gauges (aggregate with ``max``). The relay itself counts its
  attempts as ``trappebro_outbox_deliveries_total{result}`` on its own metrics address.
- ``trappebro_steps_unstorable_total{sqlstate}``: case steps the database refused for their
  data (never retried; their events are refused: activities/unstorable.py). Alert on any.
"""

from __future__ import annotations

import asyncio
import re

import asyncpg
import structlog
from temporalio.common import MetricMeter

from core.stages import DEPARTMENT, Stage

log = structlog.get_logger(__name__)

CASES = "trappebro_cases"
CASES_STALLED = "trappebro_cases_stalled"
ESCALATIONS = "trappebro_escalations"
REFUSED = "trappebro_events_refused"
DIGESTS = "trappebro_digests"
GAUGE_REFRESHES = "trappebro_case_gauge_refreshes"
OUTBOX_UNDELIVERED = "trappebro_outbox_undelivered"
OUTBOX_OLDEST = "trappebro_outbox_oldest_undelivered_seconds"
UNSTORABLE = "trappebro_steps_unstorable"

# Every name the worker exports itself, as Prometheus shows them (counters get _total).
EXPORTED = (
    CASES,
    CASES_STALLED,
    f"{ESCALATIONS}_total",
    f"{REFUSED}_total",
    f"{DIGESTS}_total",
    f"{GAUGE_REFRESHES}_total",
    OUTBOX_UNDELIVERED,
    OUTBOX_OLDEST,
)

OPEN_STAGES = tuple(s for s in Stage if s is not Stage.CLOSED)

_COUNT_SQL = """
SELECT stage, count(*) AS cases, count(*) FILTER (WHERE stalled) AS stalled
FROM case_projection WHERE stage <> 'CLOSED' GROUP BY stage
"""

OUTBOX_STATES = ("pending", "failed", "dead", "pull")
_OUTBOX_SQL = """
SELECT state, count(*) AS messages,
       extract(epoch FROM now() - min(created_at)) AS oldest
FROM outbox WHERE state <> 'delivered' GROUP BY state
"""


def reason_code(reason: str) -> str:
    """A refusal reason without its particulars: "no placement under way (stage MATCHING)"
    becomes "no placement under way". The core's reasons are fixed texts; cutting at the
    first parenthesis or colon keeps the label set small whatever a reason adds later."""
    code = re.split(r"[(:;]", reason, maxsplit=1)[0].strip()
    return code[:60] or "unknown"


def count_escalation(meter: MetricMeter, level: int, stage: Stage) -> None:
    # A handover escalates to both departments; the label names the receiving one.
    department = DEPARTMENT.get(stage)
    counter = meter.create_counter(ESCALATIONS, "Escalation messages written to the outbox")
    attributes = {"level": str(level), "department": department or "none", "stage": stage.value}
    counter.add(1, attributes)


def count_refusal(meter: MetricMeter, field: str, reason: str) -> None:
    counter = meter.create_counter(REFUSED, "Events refused by the case's rules")
    counter.add(1, {"field": field, "reason": reason_code(reason)})


def count_unstorable(meter: MetricMeter, sqlstate: str) -> None:
    counter = meter.create_counter(UNSTORABLE, "Case steps the database refused for their data")
    counter.add(1, {"sqlstate": sqlstate})


def count_digests(meter: MetricMeter, written: int) -> None:
    counter = meter.create_counter(DIGESTS, "Daily digest messages written to the outbox")
    counter.add(written)


async def refresh_case_gauges(pool: asyncpg.Pool, meter: MetricMeter) -> None:
    """Set the cases-per-stage gauges from the read model, zero for an empty stage (a stage
    that empties must drop to 0, not keep its last value)."""
    async with pool.acquire() as conn:
        rows = {r["stage"]: r for r in await conn.fetch(_COUNT_SQL)}
        outbox = {r["state"]: r for r in await conn.fetch(_OUTBOX_SQL)}
    cases = meter.create_gauge(CASES, "Open cases per stage (read model)")
    stalled = meter.create_gauge(CASES_STALLED, "Stalled cases per stage (read model)")
    for stage in OPEN_STAGES:
        row = rows.get(stage.value)
        cases.set(int(row["cases"]) if row else 0, {"stage": stage.value})
        stalled.set(int(row["stalled"]) if row else 0, {"stage": stage.value})
    _set_outbox_gauges(meter, outbox)
    meter.create_counter(GAUGE_REFRESHES, "Refreshes of the case gauges").add(1)


def _set_outbox_gauges(meter: MetricMeter, rows: dict[str, asyncpg.Record]) -> None:
    undelivered = meter.create_gauge(OUTBOX_UNDELIVERED, "Outbox messages not delivered")
    for state in OUTBOX_STATES:
        undelivered.set(int(rows[state]["messages"]) if state in rows else 0, {"state": state})
    waiting = [float(rows[s]["oldest"]) for s in ("pending", "pull") if s in rows]
    oldest = meter.create_gauge(OUTBOX_OLDEST, "Age of the oldest undelivered message (s)")
    oldest.set(int(max(waiting, default=0.0)))


async def keep_case_gauges(pool: asyncpg.Pool, meter: MetricMeter, every: float) -> None:
    """Refresh the gauges every ``every`` seconds until cancelled; a failed read (the
    database restarting) is logged and retried next round, never fatal to the worker."""
    while True:
        try:
            await refresh_case_gauges(pool, meter)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            log.warning("case gauges not refreshed: database unavailable", exc_info=True)
        await asyncio.sleep(every)
