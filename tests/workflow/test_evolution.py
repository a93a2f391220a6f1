"""Changing the workflow while cases run for months: the change made with `workflow.patched`.

The change (workflows/case.py, SUGGEST_APART): opening suggestions for a case entering
MATCHING moved out of the step's persist activity into an activity of their own. Histories
recorded before it (tests/histories/v1) and after it (v2) must both replay on the current
code; the same change without the patch must fail on v1, and the code from before the
change fails on v2 (which is why a rollback past a patch needs the patch kept, see README).
"""

from pathlib import Path

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import pytest
    from temporalio.api.enums.v1 import EventType
    from temporalio.client import WorkflowHistory

    from testkit.builders import HISTORIES
    from testkit.replay import history, replayer
    from workflows.activity_names import SUGGEST_OPENINGS
    from workflows.case import CaseWorkflow
    from workflows.case_payloads import CaseInput, CaseResult

# The scenarios that reach MATCHING, where the two versions part.
MATCHING = ["happy_path", "rejected_handover"]


@workflow.defn(name="CaseWorkflow")
class UnpatchedChange(CaseWorkflow):
    """The same change made unsafely: every case takes the new path, old ones too."""

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseResult:
        return await super().run(inp)

    def _suggest_apart(self) -> bool:
        return True


@workflow.defn(name="CaseWorkflow")
class BeforeTheChange(CaseWorkflow):
    """The code as it was: suggestions inside the persist activity."""

    @workflow.run
    async def run(self, inp: CaseInput) -> CaseResult:
        return await super().run(inp)

    def _suggest_apart(self) -> bool:
        return False


def _activities(h: WorkflowHistory) -> list[str]:
    scheduled = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in h.events
        if e.event_type == scheduled
    ]


def _path(version: str, scenario: str) -> Path:
    return HISTORIES / version / f"{scenario}.json"


@pytest.mark.parametrize("scenario", MATCHING)
def test_only_the_histories_after_the_change_suggest_apart(scenario: str) -> None:
    assert SUGGEST_OPENINGS not in _activities(history(_path("v1", scenario)))
    assert _activities(history(_path("v2", scenario))).count(SUGGEST_OPENINGS) == 1


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("scenario", MATCHING)
async def test_the_patched_change_replays_histories_from_before_and_after(
    version: str, scenario: str
) -> None:
    result = await replayer(CaseWorkflow).replay_workflow(history(_path(version, scenario)))
    assert result.replay_failure is None


@pytest.mark.parametrize("scenario", MATCHING)
async def test_the_same_change_without_the_patch_breaks_running_cases(scenario: str) -> None:
    with pytest.raises(workflow.NondeterminismError):
        await replayer(UnpatchedChange).replay_workflow(history(_path("v1", scenario)))


@pytest.mark.parametrize("scenario", MATCHING)
async def test_code_from_before_the_change_cannot_run_cases_started_after(scenario: str) -> None:
    with pytest.raises(workflow.NondeterminismError):
        await replayer(BeforeTheChange).replay_workflow(history(_path("v2", scenario)))


@pytest.mark.parametrize("scenario", ["full_ladder", "pause_resume", "closed_case"])
async def test_cases_that_never_reach_matching_replay_on_every_version(scenario: str) -> None:
    # The patch is asked only where the paths part, so these histories carry no marker
    # and replay on the code before the change, the unpatched change and the patched one.
    for version in ("v1", "v2"):
        for workflow_class in (BeforeTheChange, UnpatchedChange, CaseWorkflow):
            result = await replayer(workflow_class).replay_workflow(
                history(_path(version, scenario))
            )
            assert result.replay_failure is None, (version, workflow_class.__name__)
