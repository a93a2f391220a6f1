"""One webhook request and what its answer means.

Signed by the Standard Webhooks convention (``webhook-id`` = the message key,
``webhook-timestamp``, ``webhook-signature``), body CloudEvents 1.0 structured JSON. Only a
2xx counts as delivered. 408, 429 and 5xx, a timeout or a broken connection are retried; any
other 4xx is the receiver refusing this message, which retrying cannot change: failed, with
the answer kept for the operator.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import aiohttp
from standardwebhooks.webhooks import Webhook

from outbox import event
from outbox.backoff import backoff, retry_after
from outbox.config import Receiver, RelaySettings
from outbox.store import Claimed, Outcome

ANSWER_CHARS = 500  # of a receiver's answer kept in last_answer
RETRIED_4XX = (408, 429)


def headers(receiver: Receiver, key: str, body: bytes, now: datetime) -> dict[str, str]:
    signature = Webhook(receiver.secret).sign(key, now, body.decode())
    return {
        "content-type": event.CONTENT_TYPE,
        "webhook-id": key,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


async def deliver(
    session: aiohttp.ClientSession,
    claimed: Claimed,
    receiver: Receiver,
    settings: RelaySettings,
) -> Outcome:
    body = event.body(claimed.row)
    now = datetime.now(UTC)
    sent = headers(receiver, claimed.key, body, now)
    timeout = aiohttp.ClientTimeout(total=settings.timeout_seconds)
    try:
        async with session.post(receiver.url, data=body, headers=sent, timeout=timeout) as resp:
            text = (await resp.text(errors="replace"))[:ANSWER_CHARS]
            answer = f"{resp.status} {text}".strip()
            wait = retry_after(resp.headers.get("Retry-After"), now, settings.max_delay_seconds)
            return _judge(claimed, receiver, settings, resp.status, answer, wait)
    except TimeoutError:
        answer = f"no answer in {settings.timeout_seconds:g} s"
    except aiohttp.ClientError as err:
        answer = f"{type(err).__name__}: {err}"[:ANSWER_CHARS]
    except asyncio.CancelledError:
        raise
    return Outcome(claimed, "retry", answer, receiver.name, backoff(claimed.attempts, settings))


def _judge(
    claimed: Claimed,
    receiver: Receiver,
    settings: RelaySettings,
    status: int,
    answer: str,
    wait: float | None,
) -> Outcome:
    if 200 <= status < 300:
        return Outcome(claimed, "delivered", answer, receiver.name)
    if 400 <= status < 500 and status not in RETRIED_4XX:
        return Outcome(claimed, "failed", answer, receiver.name)
    delay = wait if wait is not None else backoff(claimed.attempts, settings)
    return Outcome(claimed, "retry", answer, receiver.name, delay)
