"""Record workflow histories from a running Temporal server (the dev stack) for the replay
tests, decoded so they replay without the payload keys.

    .venv/bin/python scripts/fetch_histories.py --out tests/histories_digest/v1 \\
        --query "WorkflowType = 'DigestWorkflow'" --limit 1 --name daily

Connects like every entry point (TEMPORAL_* variables; the payload keys from
TRAPPEBRO_PAYLOAD_KEYS or .data/payload-keys, as `scripts/up` makes them), lists the closed
or running workflows the query finds, fetches each history and decodes every payload in it
through the codec, so the file holds what the worker saw. Use it only on a dev or test
server with made-up cases: a history holds the case's events in clear once decoded, and
recorded histories go into the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import PayloadCodec

from infrastructure.config import load_settings
from infrastructure.exit import run_main
from infrastructure.temporal import connect

ROOT = Path(__file__).resolve().parent.parent

PAYLOAD = Payload.DESCRIPTOR.full_name


async def decode_payloads(message: Message, codec: PayloadCodec) -> None:
    """Decode, in place, every Payload anywhere inside ``message`` (single, repeated or map
    values). Payloads the codec did not encode (search attributes) pass unchanged."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if field.message_type.GetOptions().map_entry:
            entry = field.message_type.fields_by_name["value"]
            if entry.message_type is None:
                continue
            if entry.message_type.full_name == PAYLOAD:
                for key in list(value):
                    [decoded] = await codec.decode([value[key]])
                    value[key].CopyFrom(decoded)
            else:
                for item in value.values():
                    await decode_payloads(item, codec)
            continue
        repeated = field.is_repeated
        items = list(value) if repeated else [value]
        if field.message_type.full_name == PAYLOAD:
            for item, decoded in zip(items, await codec.decode(items), strict=True):
                item.CopyFrom(decoded)
        else:
            for item in items:
                await decode_payloads(item, codec)


async def fetch(client: Client, query: str, limit: int) -> list[WorkflowHistory]:
    codec = client.data_converter.payload_codec
    histories = []
    async for execution in client.list_workflows(query, limit=limit):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        if codec is not None:
            for event in history.events:
                await decode_payloads(event, codec)
        histories.append(history)
    return histories


def file_stem(history: WorkflowHistory, name: str | None, index: int) -> str:
    if name:
        return name if index == 0 else f"{name}.{index}"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", history.workflow_id)


async def main_async(args: argparse.Namespace) -> int:
    client = await connect(load_settings())
    histories = await fetch(client, args.query, args.limit)
    if not histories:
        print(f"no workflow matches {args.query!r}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for index, history in enumerate(histories):
        path = args.out / f"{file_stem(history, args.name, index)}.json"
        path.write_text(history.to_json(), encoding="utf-8")
        print(f"wrote {path}: {len(history.events)} events of {history.workflow_id}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write")
    parser.add_argument("--query", required=True, help="a visibility query, as in the UI")
    parser.add_argument("--limit", type=int, default=10, help="at most this many")
    parser.add_argument("--name", help="file stem (default: the workflow id)")
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    run_main(main)
