"""One place that assembles a case worker, used by worker.py, the dev stack and the tests."""

import compileall
import contextlib
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import workflows
from activities.digest import DigestStore
from activities.opening_store import OpeningStore
from activities.policies import PolicySource
from activities.store import CaseStore
from workflows.case import CaseWorkflow
from workflows.digest import DigestWorkflow
from workflows.opening import OpeningWorkflow

# The core is deterministic pure Python: share it with the sandbox instead of re-importing
# it (and pydantic, holidays) for every workflow run.
PASSTHROUGH = ("core", "holidays", "pydantic", "pydantic_core", "annotated_types", "zoneinfo")
# Longer than the longest activity (a 30 s transaction), so a stop never cuts one; deploy/
# gives the process longer still before a SIGKILL.
GRACEFUL_SHUTDOWN = timedelta(seconds=35)


def cache_bytecode(folder: Path = Path(workflows.__file__).parent) -> None:
    """Write the bytecode of the workflow modules, which the sandbox imports afresh for every
    workflow run it starts or rebuilds. Without it (PYTHONDONTWRITEBYTECODE=1, a source
    checkout) each of those imports compiles the source again: 15% of the worker's CPU in a
    profile at 5,000 open cases (docs/BENCHMARKS.md). Up-to-date files are left alone; where
    the folder is read-only (an installed image), what pip compiled is used."""
    with contextlib.suppress(OSError):  # a read-only folder: py_compile cannot write
        compileall.compile_dir(folder, quiet=2)


def create_worker(
    client: Client,
    task_queue: str,
    pool: asyncpg.Pool,
    policy_path: Path,
    *,
    max_concurrent_activities: int = 50,
    extra_workflows: Sequence[type] = (),
) -> Worker:
    cache_bytecode()
    store = CaseStore(pool)
    openings = OpeningStore(pool)
    policies = PolicySource(policy_path)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[CaseWorkflow, OpeningWorkflow, DigestWorkflow, *extra_workflows],
        activities=[
            store.persist_case,
            store.suggest_openings,
            openings.persist_opening,
            policies.load_policy,
            DigestStore(pool).write_digest,
        ],
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
        ),
        max_concurrent_activities=max_concurrent_activities,
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
    )
