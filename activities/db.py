"""The PostgreSQL connection pool the activities share."""

import asyncpg


async def create_pool(url: str, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=max_size, command_timeout=30)
    assert pool is not None
    return pool
