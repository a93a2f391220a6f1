"""Session-wide real servers for the tests: PostgreSQL, the Temporal time-skipping test
server and the Temporal dev server. No mocks of either: what passes here runs there.
Both Temporal clients encrypt payloads with the session's own keys (testkit/keys.py).

Fixtures:
    pg_admin_url   (session) URL of a maintenance database on a real PostgreSQL server
    database_url   (session) URL of a fresh, migrated database on it
    clean_db       (function) ``database_url`` with the case tables emptied first
    ts_env         (session) time-skipping WorkflowEnvironment, search attributes registered
    dev_env        (session) dev-server WorkflowEnvironment, search attributes registered
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from infrastructure.exit import hard_exit
from infrastructure.postgres import migrate, start_embedded
from infrastructure.temporal import register_search_attributes
from testkit.common import CASE_TABLES, create_database, drop_database, require_executable
from testkit.keys import CONVERTER
from workflows.search_attributes import ALL

# --- process exit ------------------------------------------------------------------------
# temporalio 1.35 can abort the interpreter during finalisation (exit 134) after every
# test passed. Once pytest has reported, end the process ourselves with its real status.
# TRAPPEBRO_PYTEST_HARD_EXIT=0 turns this off, for running pytest.main() inside a program.

_session: pytest.Session | None = None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _session
    _session = session


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _session is None or os.environ.get("TRAPPEBRO_PYTEST_HARD_EXIT") == "0":
        return
    # The summary was written through pytest's own writer on the original stdout.
    config.get_terminal_writer().flush()
    hard_exit(int(_session.exitstatus))


# --- PostgreSQL --------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def pg_admin_url() -> AsyncIterator[str]:
    """A real PostgreSQL: ``TEST_DATABASE_URL`` if set (any database there with the right
    to create databases), else an embedded server in a temporary folder, removed after."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    folder = Path(tempfile.mkdtemp(prefix="trappebro-pg-"))
    pg = await asyncio.to_thread(start_embedded, folder / "pg")
    try:
        yield pg.url("postgres")
    finally:
        await asyncio.to_thread(pg.stop)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
async def database_url(pg_admin_url: str) -> AsyncIterator[str]:
    """A fresh database with a random name, migrated; dropped at the end."""
    url = await create_database(pg_admin_url)
    try:
        await migrate(url)
        yield url
    finally:
        await drop_database(pg_admin_url, url)


@pytest.fixture
async def clean_db(database_url: str) -> AsyncIterator[str]:
    """``database_url`` with the case tables emptied, so each test starts from nothing."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(f"TRUNCATE {', '.join(CASE_TABLES)}")
    finally:
        await conn.close()
    yield database_url


# --- Temporal ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """Java time-skipping test server: timers of days pass in milliseconds."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=require_executable("temporal-test-server"),
        data_converter=CONVERTER,
    )
    try:
        # It starts with no custom search attributes; workflows that upsert them fail.
        await register_search_attributes(env.client)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal server (CLI dev server, in memory) with real visibility queries."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=require_executable("temporal"),
        data_converter=CONVERTER,
        search_attributes=ALL,
        dev_server_log_level="error",
    )
    try:
        yield env
    finally:
        await env.shutdown()
