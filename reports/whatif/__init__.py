"""`starter.py whatif`: a period's logged events replayed through the core under two policies."""
