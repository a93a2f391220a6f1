"""The PostgreSQL connection pool the activities share."""

import asyncpg


async def create_pool(url: str, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, command_timeout=30)
    assert pool is not None
    return pool


def versioned_upsert(table: str, columns: tuple[str, ...], json_columns: set[str]) -> str:
    """An INSERT keyed by the first column that only overwrites an older `version`, so a
    retried old attempt never rolls a read model back; JSON columns are cast to jsonb."""
    values = ", ".join(
        f"${i}::jsonb" if c in json_columns else f"${i}" for i, c in enumerate(columns, 1)
    )
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
    return (
        f"INSERT INTO {table} ({', '.join(columns)}, updated_at) VALUES ({values}, now()) "
        f"ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}, updated_at = now() "
        f"WHERE {table}.version < EXCLUDED.version"
    )


class PoolHolder:
    """Holds the connection pool; a store's methods are the worker's activities."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
