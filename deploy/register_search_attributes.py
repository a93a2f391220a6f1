"""Register the service's search attributes and the daily digest schedule on a Temporal
cluster; safe to run again (and on every deploy: it brings the schedule in line).

    TEMPORAL_ADDRESS=temporal.example:7233 TEMPORAL_NAMESPACE=jobcentre \\
        python deploy/register_search_attributes.py

Connection settings are the usual TEMPORAL_* variables or a TEMPORAL_PROFILE (see
infrastructure/config.py). Run it once per namespace before the first worker deploys: workflows
fail to upsert attributes the namespace does not know. Temporal Cloud may refuse the
operator call; add the attributes there with ``tcld`` or the Cloud UI instead.
The schedule starts the digest workflow on ``TRAPPEBRO_TASK_QUEUE``; a pause set by ops
is kept. ``--no-schedule`` registers the search attributes only.
"""

from __future__ import annotations

import argparse
import asyncio

from infrastructure.config import load_settings
from infrastructure.exit import run_main
from infrastructure.schedules import ensure_digest_schedule
from infrastructure.temporal import connect, register_search_attributes
from observability.logs import configure_logging
from workflows.digest_payloads import DIGEST_SCHEDULE_ID
from workflows.search_attributes import ALL


async def register(schedule: bool) -> int:
    settings = load_settings()
    configure_logging(settings.log_level)
    # Search attributes are plain by design: this needs no payload key.
    client = await connect(settings, payloads=False)
    added = await register_search_attributes(client)
    target = f"namespace {settings.temporal_namespace} at {settings.temporal_address}"
    if added:
        print(f"added to {target}: {', '.join(added)}")
    else:
        print(f"nothing to add: {target} already has {', '.join(key.name for key in ALL)}")
    if schedule:
        done = await ensure_digest_schedule(client, settings.task_queue)
        print(f"digest schedule {DIGEST_SCHEDULE_ID} {done} on {target}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-schedule", action="store_true", help="search attributes only")
    args = parser.parse_args()
    return asyncio.run(register(schedule=not args.no_schedule))


if __name__ == "__main__":
    run_main(main)
