"""What operators see of a running service: logs and redaction, metrics, tracing, health."""
