"""The system tier: the dev server, PostgreSQL and real processes."""
