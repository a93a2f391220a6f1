"""The sick-leave case: its events, state, rules, deadline ladder and words."""
