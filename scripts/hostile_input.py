"""Hostile input through every door: starter.py ingest, the HTTP door, and messages sent
straight to a case workflow (the `submit` update and the `event` signal).

  python scripts/hostile_input.py                         # 10,000 items per door
  python scripts/hostile_input.py --events 1200 --seed 7  # the CI version

Starts a dev server, PostgreSQL, `worker.py` and `python -m doors.http` as child
processes (testkit/rig/stack.py), generates the items (testkit/rig/hostile_events.py: malformed,
oversized, CPR-bearing, duplicated, out of order, and valid events between them) and sends
them: the first set as a JSON Lines file to `starter.py ingest`, a second set to the HTTP
door (batches of up to 100 objects; what cannot sit in a batch, such as bytes that are not
JSON, goes alone), and the hostile objects among them straight to a running case as
`submit` updates and `event` signals. `core.intake` is the oracle. It checks:

- no crash: every door answers every item (starter.py prints its report, the HTTP door
  never answers 5xx), and the worker and the door still run at the end;
- every refusal has its field and reason, and every item intake refuses is refused by the
  door with exactly intake's refusals (a request refused whole says why);
- nothing accepted that the contract refuses: no receipt says accepted for such an item,
  and every row in case_event passes intake again; no CPR-like number in any table, any
  workflow id or search attribute, any payload (raw and decrypted) or any log line
  (testkit/rig/hostile_search.py);
- no workflow failed and no workflow task failed (every history scanned).

Prints the counts and PASS or FAIL (exit 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp

from devstack.parts import free_port
from infrastructure.exit import run_main
from testkit.rig.hostile_doors import Findings, check_database, check_histories, direct, http_door
from testkit.rig.hostile_events import HostileBatch, Item, hostile_batch
from testkit.rig.hostile_search import search_logs, search_tables, search_workflows
from testkit.rig.options import script_parser
from testkit.rig.stack import Child, LocalStack, local_stack
from testkit.rig.tasks import run_interruptible, until

REPO_ROOT = Path(__file__).resolve().parent.parent

TOKEN = "hostile-input-token-0123456789"
REFUSAL_LINE = re.compile(r"^line (\d+): (.+?): (.+)$")
SUMMARY = re.compile(r"^accepted (\d+), duplicate (\d+), refused (\d+)$")


async def starter_door(stack: LocalStack, queue: str, batch: HostileBatch, out: Findings) -> None:
    """The whole batch as one JSON Lines file through `starter.py ingest`."""
    path = stack.folder / "hostile.jsonl"
    path.write_bytes(b"\n".join(i.raw if isinstance(i.raw, bytes) else i.raw.encode()
                                for i in batch.items))  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "starter.py", "ingest", str(path), "--no-progress",
        cwd=REPO_ROOT, env=stack.worker_env(queue), stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await proc.communicate()
    text = stdout.decode(errors="replace")
    summary = [m for line in text.splitlines() if (m := SUMMARY.match(line))]
    out.check(proc.returncode == 1 and bool(summary), f"starter.py exited {proc.returncode} "
              f"without its report:\n{stderr.decode(errors='replace')[-2000:]}")  # fmt: skip
    out.check(b"Traceback" not in stderr, "starter.py printed a traceback")
    refusals: dict[int, set[tuple[str, str]]] = {}
    for line in text.splitlines():
        if match := REFUSAL_LINE.match(line):
            refusals.setdefault(int(match[1]), set()).add((match[2], match[3]))
    for number, item in enumerate(batch.items, 1):
        out.compare("starter.py", item, refusals.get(number, set()))
    if summary:
        accepted, duplicate, refused = (int(g) for g in summary[0].groups())
        out.counts["starter.py: accepted, duplicate, refused"] = (
            f"{accepted}, {duplicate}, {refused}"
        )
        out.check(accepted + duplicate + refused == len(batch.items),
                  "starter.py: items unaccounted for (sent, not confirmed)")  # fmt: skip


async def start_door(stack: LocalStack, queue: str) -> tuple[Child, str]:
    port = free_port()
    door = stack.child("http-door")
    env = stack.worker_env(
        queue,
        TRAPPEBRO_DOOR_TOKENS=f"hostile:{TOKEN}",
        TRAPPEBRO_DOOR_PORT=str(port),
        TRAPPEBRO_DOOR_HOST="127.0.0.1",
    )
    await door.start(sys.executable, "-m", "doors.http", env=env)
    url = f"http://127.0.0.1:{port}"

    async def healthy() -> bool:
        if not door.running:
            raise RuntimeError(f"http door exited:\n{door.tail()}")
        try:
            async with aiohttp.ClientSession() as http, http.get(f"{url}/health") as answer:
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    if not await until(healthy, 60, 0.3):
        raise RuntimeError("http door not healthy in 60 s")
    return door, url


async def hostile(args: argparse.Namespace) -> int:
    began = time.monotonic()
    batches = [hostile_batch(args.events, args.seed + n) for n in range(2)]
    out = Findings()
    async with local_stack(keep=args.keep) as (stack, client):
        queue = "hostile"
        worker = stack.child("worker")
        # INFO: the log search reads every line the worker writes, not only warnings.
        env = stack.worker_env(queue, LOG_LEVEL="INFO")
        await worker.start(sys.executable, "worker.py", env=env)
        door, url = await start_door(stack, queue)
        print(f"hostile input: {sum(len(b.items) for b in batches)} items, temporal "
              f"{stack.address}, door {url}", flush=True)  # fmt: skip
        await _timed(out, "starter.py", starter_door(stack, queue, batches[0], out))
        await _timed(out, "HTTP door", http_door(url, TOKEN, batches[1], out))
        await _timed(
            out, "submit/signal", direct(client, queue, _objects(batches, args.direct), out)
        )
        await check_database(stack.database_url, out)
        await check_histories(client, out)
        await search_tables(stack.database_url, out)
        await search_workflows(client, stack.keys, out)
        search_logs(stack.folder, out)
        out.check(worker.running, "the worker is not running")
        out.check(door.running, "the HTTP door is not running")
        if out.failures:
            print(f"--- worker log ---\n{worker.tail()}\n--- door log ---\n{door.tail()}",
                  file=sys.stderr)  # fmt: skip
    kinds = sum((b.kinds for b in batches), Counter[str]())
    out.counts["items by kind"] = ", ".join(f"{k} {n}" for k, n in kinds.most_common())
    out.counts["items intake refuses"] = sum(b.refused for b in batches)
    cpr = [i for b in batches for i in b.items if i.kind == "CPR-bearing"]
    out.counts["CPR-bearing items, refused by intake"] = (
        f"{len(cpr)}, {sum(i.refusals is not None for i in cpr)}"
    )
    out.check(all(i.refusals is not None for i in cpr), "a CPR-bearing item intake accepts")
    out.counts["wall time (s)"] = round(time.monotonic() - began, 1)
    out.counts["load average (1, 5, 15 min)"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    return out.report()


async def _timed(out: Findings, name: str, work: object) -> None:
    began = time.monotonic()
    await work  # type: ignore[misc]
    out.counts[f"{name} time (s)"] = round(time.monotonic() - began, 1)


def _objects(batches: list[HostileBatch], limit: int) -> list[Item]:
    """Hostile items that are JSON objects: what a client could put in a message."""
    picked: list[Item] = []
    for item in (i for b in batches for i in b.items):
        if item.refusals is None or isinstance(item.raw, bytes) or len(item.raw) > 200_000:
            continue
        try:
            value = json.loads(item.raw)
        except (ValueError, RecursionError):
            continue
        if isinstance(value, dict):
            picked.append(item)
    return picked[:limit]


def parse_args() -> argparse.Namespace:
    parser = script_parser(__doc__, seed=True, keep=True)
    parser.add_argument("--events", type=int, default=10_000, help="items per door (10,000)")
    parser.add_argument("--direct", type=int, default=500, help="sent straight to a case (500)")
    return parser.parse_args()


def main() -> int:
    return run_interruptible(hostile(parse_args()), "hostile input")


if __name__ == "__main__":
    run_main(main)
