"""The service plumbing against real servers: migrations on PostgreSQL, search attribute
registration on both Temporal servers, the process exit after Temporal (settings and logging:
tests/unit/test_settings.py, tests/unit/test_logs_and_exit.py)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.client import Client
from temporalio.common import (
    SearchAttributeIndexedValueType,
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)
from temporalio.testing import WorkflowEnvironment

from infrastructure.config import REPO_ROOT
from infrastructure.postgres import MIGRATIONS_DIR, migrate
from infrastructure.temporal import list_search_attributes, register_search_attributes
from testkit.common import (
    create_database,
    drop_database,
    require_executable,
    run_python,
    table_names,
)
from workflows.search_attributes import ALL

CASE_TABLES = {"case_event", "case_projection", "outbox", "refused_event"}
ALL_VERSIONS = sorted(path.stem for path in MIGRATIONS_DIR.glob("*.sql"))


# --- migrations --------------------------------------------------------------------------


async def test_migrate_applies_each_file_once(pg_admin_url: str) -> None:
    url = await create_database(pg_admin_url)
    try:
        assert ALL_VERSIONS, "no migrations found"
        assert await migrate(url) == ALL_VERSIONS
        assert await migrate(url) == []
        assert CASE_TABLES | {"schema_migration"} <= await table_names(url)
    finally:
        await drop_database(pg_admin_url, url)


async def test_session_database_is_migrated(database_url: str) -> None:
    assert await migrate(database_url) == []
    assert await table_names(database_url) >= CASE_TABLES


async def test_concurrent_migrations_apply_once(pg_admin_url: str) -> None:
    url = await create_database(pg_admin_url)
    try:
        results = await asyncio.gather(*(migrate(url) for _ in range(4)))
        assert sorted(results, key=len) == [[], [], [], ALL_VERSIONS]
    finally:
        await drop_database(pg_admin_url, url)


async def test_failed_migration_leaves_no_trace(pg_admin_url: str, tmp_path: Path) -> None:
    (tmp_path / "0001_one.sql").write_text("CREATE TABLE one (id int);")
    # Second statement fails: the first must be rolled back with it.
    (tmp_path / "0002_two.sql").write_text("CREATE TABLE two (id int); SELECT no_such_fn();")
    url = await create_database(pg_admin_url)
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await migrate(url, tmp_path)
        tables = await table_names(url)
        assert "one" in tables
        assert "two" not in tables
        (tmp_path / "0002_two.sql").write_text("CREATE TABLE two (id int);")
        assert await migrate(url, tmp_path) == ["0002_two"]
        conn = await asyncpg.connect(url)
        try:
            versions = await conn.fetch("SELECT version FROM schema_migration ORDER BY version")
        finally:
            await conn.close()
        assert [row["version"] for row in versions] == ["0001_one", "0002_two"]
    finally:
        await drop_database(pg_admin_url, url)


async def test_clean_db_empties_case_tables(clean_db: str) -> None:
    conn = await asyncpg.connect(clean_db)
    try:
        await conn.execute(
            "INSERT INTO outbox (message_key, case_id, kind, stage, recipients, message)"
            " VALUES ('k', 'c', 'reminder', 'JOB_GOAL', '[]', 'm')"
        )
    finally:
        await conn.close()


async def test_clean_db_starts_empty(clean_db: str) -> None:
    # Runs after the test above has left a row behind.
    conn = await asyncpg.connect(clean_db)
    try:
        for table in CASE_TABLES:
            assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0
    finally:
        await conn.close()


# --- search attributes -------------------------------------------------------------------


async def _start_with_all_attributes(client: Client) -> TypedSearchAttributes:
    """Start a workflow (no worker needed) carrying every attribute; the server refuses
    unknown ones, so this proves registration where listing is not implemented."""
    values: dict[SearchAttributeIndexedValueType, Any] = {
        SearchAttributeIndexedValueType.KEYWORD: "x",
        SearchAttributeIndexedValueType.INT: 1,
        SearchAttributeIndexedValueType.BOOL: True,
        SearchAttributeIndexedValueType.DATETIME: datetime(2030, 1, 2, tzinfo=UTC),
    }
    pairs = [SearchAttributePair(key, values[key.indexed_value_type]) for key in ALL]
    handle = await client.start_workflow(
        "SearchAttributeProbe",
        id=f"probe-{uuid.uuid4()}",
        task_queue="no-worker",
        search_attributes=TypedSearchAttributes(pairs),
    )
    try:
        return (await handle.describe()).typed_search_attributes
    finally:
        await handle.terminate("probe done")


async def test_register_search_attributes_on_fresh_test_server() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=require_executable("temporal-test-server")
    )
    try:
        # The test server cannot list attributes; registration must cope with that.
        assert await list_search_attributes(env.client) is None
        assert await register_search_attributes(env.client) == [key.name for key in ALL]
        assert await register_search_attributes(env.client) == []
        attributes = await _start_with_all_attributes(env.client)
        assert {pair.key.name for pair in attributes} == {key.name for key in ALL}
    finally:
        await env.shutdown()


async def test_ts_env_has_search_attributes(ts_env: WorkflowEnvironment) -> None:
    # Nothing left to add (a fresh server gets them all, above). No probe workflow here: one
    # whose task is never polled keeps the test server's clock locked even after terminate,
    # and every later test of the session that skips time would hang.
    assert await register_search_attributes(ts_env.client) == []


async def test_dev_env_lists_search_attributes(dev_env: WorkflowEnvironment) -> None:
    assert await register_search_attributes(dev_env.client) == []
    listed = await list_search_attributes(dev_env.client)
    assert listed is not None
    for key in ALL:
        assert listed[key.name] == int(key.indexed_value_type)


async def test_wrong_search_attribute_type_is_refused(dev_env: WorkflowEnvironment) -> None:
    # The dev server would silently accept a re-add with another type; we must not.
    clash = SearchAttributeKey.for_int(ALL[0].name)
    with pytest.raises(RuntimeError, match="wrong type"):
        await register_search_attributes(dev_env.client, [clash])


# --- the process exit (in child processes: it changes process-wide state) -------------


def test_hard_exit_after_temporal_keeps_status() -> None:
    # The case the module exists for: a process that used the Temporal SDK must still end
    # with its own status, not the finalisation abort (134).
    for code in (0, 5):
        result = run_python(
            f"""
            import asyncio
            from temporalio.testing import WorkflowEnvironment
            from infrastructure.exit import run_main
            async def use_temporal():
                env = await WorkflowEnvironment.start_time_skipping(
                    test_server_existing_path={require_executable("temporal-test-server")!r})
                await env.shutdown()
            def main():
                asyncio.run(use_temporal())
                return {code}
            run_main(main)
            """
        )
        assert result.returncode == code, result.stderr
        assert "Fatal Python error" not in result.stderr


@pytest.mark.parametrize("outcome, status", [("pass", 0), ("fail", 1)])
def test_pytest_keeps_its_status_and_summary(tmp_path: Path, outcome: str, status: int) -> None:
    # The conftest hooks end pytest with os._exit: the summary must still be printed and
    # the status must be pytest's own.
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import pytest_sessionfinish, pytest_unconfigure\n"
    )
    (tmp_path / "test_inner.py").write_text(
        textwrap.dedent(
            f"""
            import asyncio
            from temporalio.testing import WorkflowEnvironment
            def test_inner():
                async def use_temporal():
                    env = await WorkflowEnvironment.start_time_skipping(
                        test_server_existing_path={require_executable("temporal-test-server")!r})
                    await env.shutdown()
                asyncio.run(use_temporal())
                assert {outcome!r} == "pass"
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        timeout=120,
    )
    assert result.returncode == status, result.stdout + result.stderr
    assert f"1 {outcome}ed" in result.stdout
    assert "Fatal Python error" not in result.stderr
