"""The second patch (workflows/case.py, STATUTORY_CLOCKS): the law's clocks, with outbox rows,
timers and a search attribute of their own. Histories from before (tests/histories/v1-v5) and
after (v6) replay on the current code (test_replay.py); the clocks switched on without the
patch fail on v5, and the code without the clocks fails on v6."""

from pathlib import Path

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from testkit.builders import HISTORIES
    from testkit.replay import history, replayer
    from workflows.case import CaseWorkflow
    from workflows.case_payloads import CaseInput, CaseResult

@workflow.defn(name="CaseWorkflow")
class ClocksWithoutThePatch(CaseWorkflow):
    @workflow.run
    async def run(self, inp: CaseInput) -> CaseResult:
        return await super().run(inp)

    def _law_clocks(self) -> bool:
        return True


@workflow.defn(name="CaseWorkflow")
class WithoutTheClocks(CaseWorkflow):
    @workflow.run
    async def run(self, inp: CaseInput) -> CaseResult:
        return await super().run(inp)

    def _law_clocks(self) -> bool:
        return False


def _path(version: str, scenario: str) -> Path:
    return HISTORIES / version / f"{scenario}.json"


async def test_the_clocks_without_the_patch_break_a_history_from_before() -> None:
    # Its case ran weeks without a statutory talk: the clocks add commands it lacks.
    h = history(_path("v5", "rejected_handover"))
    result = await replayer(ClocksWithoutThePatch).replay_workflow(h, raise_on_replay_failure=False)
    assert isinstance(result.replay_failure, workflow.NondeterminismError)


async def test_the_code_without_the_clocks_breaks_a_history_after() -> None:
    h = history(_path("v6", "statutory"))
    result = await replayer(WithoutTheClocks).replay_workflow(h, raise_on_replay_failure=False)
    assert isinstance(result.replay_failure, workflow.NondeterminismError)
