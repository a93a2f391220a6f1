"""A small webhook receiver for the demo and the tests: verifies each request with the
``standardwebhooks`` library, counts deliveries by ``webhook-id`` and prints each new one.

  python -m outbox.receiver [--port 8099] [--secret-file .data/webhook-secret]

It answers 204 to a good request and 401 to a bad signature. Tests script other answers
(500s, a slow answer, a 400) with `Receiver.plan`, to see what the relay makes of them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from infrastructure.exit import run_main
from infrastructure.http_serve import serve


@dataclass(frozen=True)
class Answer:
    status: int = 204
    delay: float = 0.0
    retry_after: str | None = None


@dataclass
class Receiver:
    secret: str
    seen: Counter[str] = field(default_factory=Counter)
    planned: deque[Answer] = field(default_factory=deque)
    refused: int = 0
    arrived: int = 0  # verified requests, answered or not yet
    overlaps: int = 0  # requests for an id that was still being answered
    in_flight: Counter[str] = field(default_factory=Counter)
    verbose: bool = False
    record: Path | None = None  # each 2xx'd webhook-id appended here, one a line

    def plan(self, *answers: Answer) -> None:
        """Give these answers, in order, to the next requests (then 204 again)."""
        self.planned.extend(answers)

    @property
    def distinct(self) -> int:
        return len(self.seen)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            event = Webhook(self.secret).verify(body, dict(request.headers))
        except WebhookVerificationError:
            self.refused += 1
            return web.json_response({"error": "bad signature"}, status=401)
        key = request.headers["webhook-id"]
        self.arrived += 1
        self.overlaps += self.in_flight[key] > 0
        self.in_flight[key] += 1
        answer = self.planned.popleft() if self.planned else Answer()
        try:
            if answer.delay:
                await asyncio.sleep(answer.delay)
        finally:
            self.in_flight[key] -= 1
        if 200 <= answer.status < 300:
            self.seen[key] += 1
            if self.record is not None:
                with self.record.open("a", encoding="utf-8") as out:
                    out.write(key + "\n")
            if self.verbose and self.seen[key] == 1:
                data = event.get("data", {})
                print(f"{event['type']} {key}: {data.get('message')}", flush=True)
        headers = {"Retry-After": answer.retry_after} if answer.retry_after else None
        return web.Response(status=answer.status, headers=headers)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        app.router.add_get("/seen", self.report)
        return app

    async def report(self, request: web.Request) -> web.Response:
        counts = {
            "distinct": self.distinct,
            "received": sum(self.seen.values()),
            "refused": self.refused,
            "ids": sorted(self.seen) if "ids" in request.query else None,
        }
        return web.Response(text=json.dumps(counts), content_type="application/json")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m outbox.receiver", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--secret-file", type=Path, default=Path(".data/webhook-secret"))
    parser.add_argument("--quiet", action="store_true", help="print nothing per message")
    parser.add_argument("--record", type=Path, help="append each received webhook-id here")
    args = parser.parse_args(argv)
    secret = args.secret_file.read_text(encoding="utf-8").strip()
    receiver = Receiver(secret, verbose=not args.quiet, record=args.record)
    return asyncio.run(serve(receiver.app(), args.host, args.port, "webhook receiver"))


if __name__ == "__main__":
    run_main(main)
