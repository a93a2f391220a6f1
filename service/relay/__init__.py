"""The outbox relay: delivers every outbox row to the case system's webhooks, at least once
and always under the same ``webhook-id``, so a receiver that deduplicates sees each message
exactly once (docs/outbox.md). ``python -m service.relay``."""
