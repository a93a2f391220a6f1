"""The dev stack: Temporal, PostgreSQL, the worker, doors and relay on one machine (scripts/up)."""
