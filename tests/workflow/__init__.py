"""The workflow tier: workflows on the time-skipping server (and replays of recorded histories)."""
