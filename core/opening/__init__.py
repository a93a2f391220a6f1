"""The company-service opening: its events, state, rules and words."""
