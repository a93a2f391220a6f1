"""A migrated database of a benchmark's own: on the server in DATABASE_URL, else on an
embedded one in a temporary folder; dropped, and the embedded server stopped, at the end."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from infrastructure.config import load_settings
from infrastructure.postgres import migrate, start_embedded
from testkit.common import create_database, drop_database


@asynccontextmanager
async def scratch_database(prefix: str = "trappebro_bench") -> AsyncIterator[tuple[str, Path]]:
    """The new database's URL, and a temporary folder the caller may use too."""
    settings = load_settings()
    folder = Path(tempfile.mkdtemp(prefix="trappebro-bench-"))
    pg = None
    try:
        if settings.database_url:
            admin = settings.database_url
        else:
            pg = await asyncio.to_thread(start_embedded, folder / "pg")
            admin = pg.url("postgres")
        url = await create_database(admin, prefix=prefix)
        try:
            await migrate(url)
            yield url, folder
        finally:
            await drop_database(admin, url)
    finally:
        if pg is not None:
            await asyncio.to_thread(pg.stop)
        shutil.rmtree(folder, ignore_errors=True)
