"""The ways in: the CLI and HTTP intake doors, the outbox pull feed, the codec server."""
