"""Tell a case what became of its escalation, once the outcome is stored in the outbox.

The Web UI's Current details say whether a case's last escalation arrived, and a workflow
cannot read the outbox: after `store.record` the relay signals the case workflow
(`outbox_delivery`, a `core.case.delivery.DeliveryNews`). Best effort and apart from delivery:
each signal runs in a task of its own, is tried a few times and then given up (logged with
ids only); it never holds a round, and a failed signal never sends a message again, since
the outcome is already written. A case that has closed or does not exist is logged and left.
The door's pull feed tells cases of its acknowledgements the same way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from core.case.delivery import ESCALATION, DeliveryNews
from outbox.store import Outcome
from workflows.case_payloads import DELIVERY_SIGNAL, workflow_id

log = structlog.get_logger("outbox")

TOLD = ("delivered", "failed", "dead")  # outcomes a case hears of; retries are not news
ATTEMPTS = 3
AT_ONCE = 16  # signals in flight at most: a burst of deliveries must not flood the server
FIRST_PAUSE = 0.5  # seconds, doubling between attempts
RPC_TIMEOUT = timedelta(seconds=5)
ANSWER_KEPT = 200  # characters of the receiver's answer carried in the signal


def news_of(
    row: Mapping[str, Any], result: str, answer: str, at: datetime
) -> tuple[str, DeliveryNews] | None:
    """The case and its news for one stored outcome; None when no case is to be told."""
    if result not in TOLD or not row["case_id"] or row["kind"] != ESCALATION:
        return None
    news = DeliveryNews(
        message_key=row["message_key"],
        kind=row["kind"],
        level=row["level"],
        outcome=result,  # one of TOLD, checked above
        at=at,
        answer="" if result == "delivered" else answer[:ANSWER_KEPT],
    )
    return str(row["case_id"]), news


def made(client: Client) -> Callable[[], Awaitable[Client]]:
    """The connect of a notifier whose client is already made (the door's)."""

    async def connect() -> Client:
        return client

    return connect


class CaseNotifier:
    """Signals cases in the background through one Temporal client, made when first needed."""

    def __init__(self, connect: Callable[[], Awaitable[Client]]) -> None:
        self._connect = connect
        self._client: Client | None = None
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(AT_ONCE)
        self._tasks: set[asyncio.Task[None]] = set()
        self.told = 0  # signals accepted by the server

    def tell(self, settled: Iterable[tuple[Outcome, str]]) -> None:
        """Start a signal for each stored outcome a case should hear of; returns at once."""
        self.tell_rows((o.claimed.row, result, o.answer) for o, result in settled)

    def tell_rows(self, rows: Iterable[tuple[Mapping[str, Any], str, str]]) -> None:
        """The same for outbox rows (``message_key``, ``case_id``, ``kind``, ``level``), each
        with what it became and the answer: the pull feed's acknowledgements."""
        at = datetime.now(UTC)
        for row, result, answer in rows:
            if (found := news_of(row, result, answer, at)) is not None:
                task = asyncio.create_task(self._signal(*found))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def _client_now(self) -> Client:
        async with self._lock:
            if self._client is None:
                self._client = await self._connect()
            return self._client

    async def _signal(self, case_id: str, news: DeliveryNews) -> None:
        async with self._slots:
            await self._try(case_id, news)

    async def _try(self, case_id: str, news: DeliveryNews) -> None:
        error = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                client = await self._client_now()
                handle = client.get_workflow_handle(workflow_id(case_id))
                await handle.signal(DELIVERY_SIGNAL, news, rpc_timeout=RPC_TIMEOUT)
                self.told += 1
                return
            except RPCError as err:
                if err.status == RPCStatusCode.NOT_FOUND:
                    log.info("case not running; not told", case_id=case_id, key=news.message_key)
                    return
                error = err.status.name if err.status is not None else "RPCError"
            except (RuntimeError, OSError, TimeoutError) as err:  # no connection (yet)
                error = type(err).__name__
            if attempt < ATTEMPTS:
                await asyncio.sleep(FIRST_PAUSE * 2 ** (attempt - 1))
        log.warning(
            "case not told of its delivery", case_id=case_id, key=news.message_key, error=error
        )

    async def close(self, grace: float = 2.0) -> None:
        """Give signals in flight ``grace`` seconds, then drop them (logged as given up)."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in late:
                task.cancel()
            if late:
                log.warning("cases not told at shutdown", signals=len(late))
