"""The team leads' board: a small aiohttp web app over the read model in PostgreSQL."""
