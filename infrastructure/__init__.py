"""What the service runs on: settings, the Temporal client, PostgreSQL, schedules, HTTP serving."""
