"""Record opening workflow histories that every later version must replay.

    python scripts/record_opening_histories.py      # into tests/histories_openings/v1

Like scripts/record_histories.py (same servers, same production worker), for openings:
`tests/workflow/test_opening_replay.py` replays every file under tests/histories_openings/. Each
history written is replayed at once on the current workflow: PASS, or FAIL and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from core.durations import end_of_day
from core.stages import Stage
from infrastructure.exit import run_main
from testkit.case_run import reach
from testkit.harness import Harness, open_harness
from testkit.openings import OpeningRun
from testkit.recording import on_database, on_test_server, write_checked
from testkit.samples import CPH
from workflows.opening import OpeningWorkflow

ROOT = Path(__file__).resolve().parent.parent

OPENING_HISTORIES = ROOT / "tests" / "histories_openings"
Scenario = Callable[[Harness, OpeningRun], Awaitable[None]]


async def escalated(h: Harness, opening: OpeningRun) -> None:
    """Registered, nobody proposed by the candidates-by day: the team lead is told."""
    by = (await h.now()).date() + timedelta(days=7)
    await opening.accept("opening_registered", candidates_by=by.isoformat())
    await h.sleep_until(end_of_day(by, CPH) + timedelta(minutes=1))
    await opening.wait_for(lambda s: s.escalation_level == 2)
    await opening.accept("opening_withdrawn")
    await opening.wait_for(lambda s: s.status == "WITHDRAWN")


async def proposed_declined_filled(h: Harness, opening: OpeningRun) -> None:
    """A case suggested, proposed, declined (the deadline is back), proposed again, placed."""
    case = h.case()
    await reach(case, Stage.MATCHING)
    await opening.accept("opening_registered")
    await opening.wait_for(lambda s: s.status == "OPEN")
    await case.accept("match_proposed", opening_id=opening.opening_id)
    await opening.wait_for(lambda s: s.status == "PROPOSED")
    await h.skip(timedelta(days=2))
    await case.accept("match_declined", opening_id=opening.opening_id)
    await opening.wait_for(lambda s: s.status == "OPEN")
    await case.accept("match_proposed", opening_id=opening.opening_id, event_id="again")
    await opening.wait_for(lambda s: s.status == "PROPOSED")
    await case.accept("placement_started", opening_id=opening.opening_id)
    await opening.wait_for(lambda s: s.status == "FILLED")


SCENARIOS: dict[str, Scenario] = {
    "escalated": escalated,
    "proposed_declined_filled": proposed_declined_filled,
}


async def record(database_url: str) -> dict[str, str]:
    async def run(env: WorkflowEnvironment) -> dict[str, str]:
        recorded: dict[str, str] = {}
        for name, scenario in SCENARIOS.items():
            async with open_harness(env, database_url) as h:
                opening = OpeningRun(h)
                await scenario(h, opening)
                history = await env.client.get_workflow_handle(opening.workflow_id).fetch_history()
                recorded[name] = history.to_json()
                print(f"{name}: {len(history.events)} events", flush=True)
        return recorded

    return await on_test_server(run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OPENING_HISTORIES / "v1")
    args = parser.parse_args()
    return write_checked(args.out, asyncio.run(on_database(record)), OpeningWorkflow)


if __name__ == "__main__":
    run_main(main)
