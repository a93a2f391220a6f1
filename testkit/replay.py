"""Replaying recorded histories as the worker runs them (tests and the recording scripts)."""

from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from composition import PASSTHROUGH
from workflows.case import CaseWorkflow


def replayer(*workflows: type) -> Replayer:
    """Replays as the worker runs: same data converter, same sandbox settings."""
    return Replayer(
        workflows=list(workflows or [CaseWorkflow]),
        data_converter=pydantic_data_converter,
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
        ),
    )


def history(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(f"case-{path.stem}", path.read_text(encoding="utf-8"))
