"""Activity names shared by the workflow (which must not import I/O code) and the worker."""

LOAD_POLICY = "load_policy"
PERSIST_CASE = "persist_case"
PERSIST_OPENING = "persist_opening"
SUGGEST_OPENINGS = "suggest_openings"
WRITE_DIGEST = "write_digest"
# The failure type of a step the database refused for its data (activities/unstorable.py).
UNSTORABLE = "UnstorableStep"
