"""The relay's loop: claim due rows, send each to its receiver, write what became of it.

Several relays may run side by side (store.py explains why no message is sent by two at
once). A database that goes away is waited out: the loop logs and tries again, and the
leases of whatever was in flight bring those rows back.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
import asyncpg
import structlog
from temporalio.common import MetricMeter

from outbox import fold, store
from outbox.config import RelayConfig
from outbox.notify import CaseNotifier
from outbox.send import deliver
from outbox.store import Claimed, Outcome

log = structlog.get_logger("outbox")

DELIVERIES = "trappebro_outbox_deliveries"
DB_RETRY_SECONDS = 1.0
SUMMARISE_EVERY = 1.0  # seconds between looks for a fold gone quiet


@dataclass
class Relay:
    pool: asyncpg.Pool
    config: RelayConfig
    meter: MetricMeter | None = None
    counts: dict[str, int] = field(default_factory=dict)
    on_round: Callable[[dict[str, int]], None] | None = None
    summarised_at: float = 0.0
    notifier: CaseNotifier | None = None  # tells cases what became of their escalations

    async def send_one(self, session: aiohttp.ClientSession, claimed: Claimed) -> Outcome:
        row = claimed.row
        cutoff = self.config.settings.fold_due_before
        stale = cutoff is not None and row["due_at"] is not None and row["due_at"] < cutoff
        if stale and row["kind"] != fold.KIND:
            return Outcome(claimed, "folded")
        receiver = self.config.receiver_for(row["municipality"], row["kind"])
        if receiver is None:
            return Outcome(claimed, "pull")
        return await deliver(session, claimed, receiver, self.config.settings)

    async def round(self, session: aiohttp.ClientSession) -> int:
        """One claim and its sends; the number of rows claimed."""
        settings = self.config.settings
        await self._summarise()
        claimed = await store.claim(self.pool, settings.batch, settings.lease_seconds)
        if not claimed:
            return 0
        outcomes = await asyncio.gather(*(self.send_one(session, c) for c in claimed))
        recorded = await store.record(
            self.pool, outcomes, settings.max_attempts, settings.max_age_seconds
        )
        counts = recorded.counts
        self._count(counts)
        if self.notifier is not None:  # after the outcomes are stored, never before
            self.notifier.tell(recorded.settled)
        missed = [o for o in outcomes if o.result != "delivered"]
        if missed:
            # One line a round, not one per message: a receiver that is down fails them all.
            first = missed[0]
            log.info("not delivered", counts=counts, key=first.claimed.key, answer=first.answer)
        return len(claimed)

    async def _summarise(self) -> None:
        settings, now = self.config.settings, asyncio.get_running_loop().time()
        if settings.fold_due_before is None or now - self.summarised_at < SUMMARISE_EVERY:
            return
        self.summarised_at = now
        written = await fold.summarise(
            self.pool, settings.fold_due_before, settings.fold_quiet_seconds
        )
        if written:
            log.info("import summaries written", summaries=written)

    def _count(self, counts: dict[str, int]) -> None:
        for result, n in counts.items():
            self.counts[result] = self.counts.get(result, 0) + n
            if self.meter is not None:
                counter = self.meter.create_counter(DELIVERIES, "Outbox delivery attempts")
                counter.add(n, {"result": result})
        if self.on_round is not None:
            self.on_round(counts)

    async def run(self, stop: asyncio.Event) -> None:
        settings = self.config.settings
        connector = aiohttp.TCPConnector(limit=settings.concurrency)
        try:
            async with aiohttp.ClientSession(connector=connector) as session:
                await self._loop(session, stop)
        finally:
            if self.notifier is not None:
                await self.notifier.close()

    async def _loop(self, session: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        settings = self.config.settings
        while not stop.is_set():
            try:
                busy = await self.round(session) > 0
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
                log.warning("outbox unavailable; trying again", error=type(err).__name__)
                await _pause(stop, DB_RETRY_SECONDS)
                continue
            if not busy:
                await _pause(stop, settings.poll_seconds)


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
