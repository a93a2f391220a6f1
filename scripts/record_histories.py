"""Record workflow histories that every later version of the case workflow must replay.

    python scripts/record_histories.py                 # all scenarios into tests/histories/v1
    python scripts/record_histories.py --out tests/histories/v2 --only happy_path

Runs representative cases on the Temporal time-skipping test server with the production
worker and a real PostgreSQL (DATABASE_URL, or an embedded server in a temporary folder),
and writes each workflow's history as JSON (`<scenario>.json`; a case that continued as new
also gets `<scenario>.run1.json` for the run that ended by continuing).
`tests/workflow/test_replay.py` replays every file under tests/histories/: record a new
folder when the workflow changes on purpose, and keep the old ones, because running cases
still carry those histories. Each history written is replayed at once on the current
workflow: PASS, or FAIL and exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from temporalio.testing import WorkflowEnvironment

from core.case.delivery import DeliveryNews
from core.durations import end_of_day
from core.stages import Stage
from infrastructure.exit import run_main
from testkit.builders import DEFAULT_POLICY, HISTORIES, write_policy
from testkit.case_run import CaseRun, reach
from testkit.harness import Harness, open_harness
from testkit.recording import on_database, on_test_server, write_checked
from workflows.case import CaseWorkflow
from workflows.case_payloads import DELIVERY_SIGNAL, CaseInput

ROOT = Path(__file__).resolve().parent.parent

# What a scenario leaves to record: (file stem, run id or None for the latest run).
Recorded = list[tuple[str, str | None]]
Scenario = Callable[[Harness, CaseRun], Awaitable[Recorded]]
T = TypeVar("T")


async def happy_path(h: Harness, case: CaseRun) -> Recorded:
    """Opened to closed (employed) over months: the handover goes by timer when the window
    opens, a wage talk, three follow-ups, and the workflow completes."""
    t0 = await h.now()
    fit = (t0 + timedelta(weeks=8)).date()
    await case.accept("case_opened", expected_fit_for_work_on=fit.isoformat())
    await h.skip(timedelta(days=2))
    await case.accept("job_goal_talk_held")
    await h.skip(timedelta(days=3))
    await case.accept("cv_updated")
    window = (await case.settled()).state.deadline
    assert window is not None
    await h.sleep_until(window + timedelta(minutes=1))
    await case.wait_for(lambda s: s.stage is Stage.HANDOVER)
    await h.skip(timedelta(days=1))
    await case.accept("handover_accepted")
    await h.skip(timedelta(days=5))
    await case.accept("match_proposed")
    await h.skip(timedelta(days=2))
    await case.accept("placement_started")
    for weeks in (1, 3, 8):
        await h.skip(timedelta(weeks=weeks))
        if weeks == 3:
            await case.accept("progression_scored", score=8)
        await case.accept("followup_held")
    result = await case.result()
    assert result.outcome == "employed", result
    return [("happy_path", None)]


async def full_ladder(h: Harness, case: CaseRun) -> Recorded:
    """Second-scale policy: levels 1, 2, 3 (stalled) and two level-3 reminders, then
    progress clears it; left running in CV_READINESS."""
    await case.accept("case_opened")
    await h.skip(timedelta(seconds=105))
    s = await case.wait_for(lambda s: s.escalation_level == 1)
    # The relay's word on the first rung (since v4): delivered, and later one dead-lettered.
    first = f"{case.case_id}/escalation/{s.state.deadline_no}/1"
    await case.handle.signal(DELIVERY_SIGNAL, _news(first, "delivered"))
    await h.skip(timedelta(seconds=50 + 60 + 2 * 500))
    s = await case.wait_for(lambda s: s.escalation_level == 3 and s.repeats == 2)
    last = f"{case.case_id}/escalation/{s.state.deadline_no}/3r2"
    await case.handle.signal(DELIVERY_SIGNAL, _news(last, "dead", "500 Internal Server Error"))
    await case.accept("job_goal_talk_held")
    await case.wait_for(lambda s: s.stage is Stage.CV_READINESS)
    return [("full_ladder", None)]


def _news(key: str, outcome: str, answer: str = "") -> DeliveryNews:
    level = int(key.rsplit("/", 1)[1][0])
    return DeliveryNews.model_validate(
        {"message_key": key, "kind": "escalation", "level": level, "outcome": outcome,
         "at": datetime.now(UTC), "answer": answer}
    )  # fmt: skip


async def rejected_handover(h: Harness, case: CaseRun) -> Recorded:
    """Handover sent back with a reason, CV fixed, handover again, accepted; running."""
    await reach(case, Stage.HANDOVER)
    await case.accept("handover_rejected", reason="CV mangler seneste erfaring")
    await h.skip(timedelta(days=1))
    await case.accept("cv_updated")
    await case.accept("handover_accepted")
    await case.wait_for(lambda s: s.stage is Stage.MATCHING)
    return [("rejected_handover", None)]


async def pause_resume(h: Harness, case: CaseRun) -> Recorded:
    """Paused; the review day passes (escalation); resumed; a new owner; a moved deadline."""
    await reach(case, Stage.CV_READINESS)
    review_on = (await h.now()).date() + timedelta(days=14)
    await case.accept("case_paused", review_on=review_on.isoformat())
    await h.sleep_until(end_of_day(review_on, h.policy().tz) + timedelta(minutes=1))
    await case.wait_for(lambda s: s.escalation_level == 1)
    await case.accept("case_resumed")
    await case.accept("owner_changed", owner="sb-07")
    moved = (await h.now()).date() + timedelta(days=10)
    await case.accept("deadline_moved", new_deadline=moved.isoformat())
    await case.settled()
    return [("pause_resume", None)]


async def continue_as_new(h: Harness, case: CaseRun) -> Recorded:
    """A tiny history limit: the case continues as new several times; a duplicate after."""
    opened = case.event("case_opened", await h.now())
    handle = await case.start(opened, CaseInput(case_id=case.case_id, continue_as_new_after=25))
    first_run = handle.result_run_id
    await case.settled()
    await case.accept("owner_changed", owner="sb-11")
    await case.accept("job_goal_talk_held")
    await case.accept("fit_for_work_expected")
    await case.accept("cv_updated", complete=False)
    receipt = await case.deliver(opened)
    assert receipt.outcome == "duplicate", receipt
    settled = await case.settled()
    assert settled.desc.run_id != first_run
    return [("continue_as_new", None), ("continue_as_new.run1", first_run)]


async def closed_case(h: Harness, case: CaseRun) -> Recorded:
    """Events held before case_opened, a duplicate, refusals, then closed; completed."""
    now = await h.now()
    await case.deliver(case.event("job_goal_talk_held", now - timedelta(hours=1)))
    await case.deliver(case.event("case_opened", now - timedelta(hours=2)))
    refused = await case.send("handover_accepted")
    assert refused.outcome == "refused", refused
    await case.deliver(case.sent[0])
    await case.accept("case_closed", outcome="education")
    await case.result()
    return [("closed_case", None)]


async def statutory(h: Harness, case: CaseRun) -> Recorded:
    """The law's clocks (since v6): the first talk in time, the next one missed (its three
    levels to the sick-leave department), an early talk asked for and held, then fit for
    work ends them; running."""
    t0 = await h.now()
    await case.accept("case_opened", sick_listed_on=(t0 - timedelta(weeks=5)).date().isoformat())
    await h.skip(timedelta(weeks=2))
    await case.accept("statutory_talk_held", held_on=(await h.now()).date().isoformat())
    await h.skip(timedelta(weeks=6))  # the next talk fell due 4 weeks after: levels 1-3
    await case.wait_for(lambda s: s.statutory is not None and len(s.statutory.escalated) == 3)
    today = (await h.now()).date().isoformat()
    await case.accept("early_talk_requested", requested_on=today, requested_by="citizen")
    await case.accept("statutory_talk_held", held_on=today, kind="early")
    await case.accept("fit_for_work_declared", declared_on=today)
    await case.settled()
    return [("statutory", None)]


SCENARIOS: dict[str, tuple[Scenario, str]] = {
    "happy_path": (happy_path, "default"),
    "full_ladder": (full_ladder, "seconds"),
    "rejected_handover": (rejected_handover, "default"),
    "pause_resume": (pause_resume, "default"),
    "continue_as_new": (continue_as_new, "default"),
    "closed_case": (closed_case, "default"),
    "statutory": (statutory, "default"),
}


async def record(database_url: str, only: list[str]) -> dict[str, str]:
    """Run the scenarios named in `only`; the histories as JSON by file stem."""

    async def run(env: WorkflowEnvironment) -> dict[str, str]:
        recorded: dict[str, str] = {}
        with tempfile.TemporaryDirectory() as folder:
            policies = {"default": DEFAULT_POLICY, "seconds": write_policy(Path(folder))}
            for name in only:
                scenario, policy = SCENARIOS[name]
                async with open_harness(env, database_url, policies[policy]) as h:
                    # A fresh case id: DATABASE_URL may hold rows of an earlier recording.
                    case = h.case(f"K-REPLAY-{name.replace('_', '-')}-{uuid.uuid4().hex[:6]}")
                    for stem, run_id in await scenario(h, case):
                        handle = env.client.get_workflow_handle(case.workflow_id, run_id=run_id)
                        history = await handle.fetch_history()
                        recorded[stem] = history.to_json()
                        print(f"{stem}: {len(history.events)} events", flush=True)
        return recorded

    return await on_test_server(run)


async def main_async(args: argparse.Namespace) -> dict[str, str]:
    return await on_database(lambda url: record(url, args.only or list(SCENARIOS)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HISTORIES / "v1", help="folder to write")
    parser.add_argument(
        "--only", nargs="*", choices=list(SCENARIOS), help="scenarios to record (default: all)"
    )
    args = parser.parse_args()
    return write_checked(args.out, asyncio.run(main_async(args)), CaseWorkflow)


if __name__ == "__main__":
    run_main(main)
