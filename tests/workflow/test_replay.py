"""Determinism: every recorded history replays on the current case workflow (invariant 5).

The histories under tests/histories/ were recorded by `scripts/record_histories.py` from
real runs (time-skipping server, production worker, PostgreSQL). A change to the workflow
that would break a running case fails here, before it is deployed. The last test shows the
replayer would notice: a deliberately changed workflow does not replay.
"""

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

from temporalio import workflow

from workflows.activity_names import LOAD_POLICY

# This module also defines a workflow, so the sandbox re-imports it: pass the rest through.
with workflow.unsafe.imports_passed_through():
    import pytest
    from temporalio.client import WorkflowHistory

    from core.policy import Policy
    from testkit.builders import HISTORIES, history_files
    from testkit.replay import history, replayer
    from workflows.case import CaseWorkflow
    from workflows.case_payloads import CaseInput, CaseResult

FILES = history_files()
# What scripts/record_histories.py records into each version's folder.
SCENARIOS = {
    "happy_path",
    "full_ladder",
    "rejected_handover",
    "pause_resume",
    "continue_as_new",
    "continue_as_new.run1",
    "closed_case",
}


@pytest.mark.parametrize("version", ["v1", "v2", "v3", "v4", "v5", "v6"])
def test_the_recorded_histories_are_all_there(version: str) -> None:
    recorded = {p.stem for p in FILES if p.parent.name == version}
    # v6 adds the law's clocks (the statutory-clocks patch) and a scenario of their own.
    assert recorded == SCENARIOS | ({"statutory"} if version >= "v6" else set())


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(HISTORIES)) for p in FILES])
async def test_a_recorded_history_replays(path: Path) -> None:
    result = await replayer().replay_workflow(history(path))
    assert result.replay_failure is None


async def test_all_histories_replay_in_one_batch() -> None:
    async def histories() -> AsyncIterator[WorkflowHistory]:
        for path in FILES:
            yield history(path)

    async with replayer().workflow_replay_iterator(histories()) as results:
        failures = [r.replay_failure async for r in results if r.replay_failure is not None]
    assert failures == []


@workflow.defn(name="CaseWorkflow")
class CaseWorkflowWithAnExtraStep(CaseWorkflow):
    """A deliberately incompatible change: load the policy before anything else."""

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseResult:
        await workflow.execute_activity(
            LOAD_POLICY,
            "Norddjurs",
            result_type=Policy,
            start_to_close_timeout=timedelta(seconds=10),
        )
        return await super().run(inp)


async def test_the_replayer_catches_a_nondeterministic_change() -> None:
    path = HISTORIES / "v1" / "happy_path.json"
    with pytest.raises(workflow.NondeterminismError, match="Nondeterminism"):
        await replayer(CaseWorkflowWithAnExtraStep).replay_workflow(history(path))
