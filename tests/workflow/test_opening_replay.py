"""Determinism for openings: every recorded opening history replays on the current opening
workflow (recorded by scripts/record_opening_histories.py from real runs)."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from composition import PASSTHROUGH
from testkit.paths import TESTS
from workflows.opening import OpeningWorkflow

HISTORIES = TESTS / "histories_openings"
FILES = sorted(HISTORIES.glob("**/*.json"))


def history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"opening-{path.stem}", path.read_text(encoding="utf-8"))


def test_the_recorded_histories_are_there() -> None:
    assert {p.stem for p in FILES} >= {"escalated", "proposed_declined_filled"}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(HISTORIES)) for p in FILES])
async def test_a_recorded_opening_history_replays(path: Path) -> None:
    replayer = Replayer(
        workflows=[OpeningWorkflow],
        data_converter=pydantic_data_converter,
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
        ),
    )
    result = await replayer.replay_workflow(history(path))
    assert result.replay_failure is None
