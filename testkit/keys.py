"""The tests' own payload keys: generated per session, never stored anywhere.

Every test client and worker uses `CONVERTER` (pydantic JSON + AES-256-GCM), the same
converter production builds from its configured keys.
"""

from __future__ import annotations

from codec.keys import generate
from codec.payloads import data_converter

KEYS = generate("test-session")
CONVERTER = data_converter(KEYS)


def keys_env() -> dict[str, str]:
    """The variables that give a child process (worker.py, starter.py) these keys."""
    return {"TRAPPEBRO_PAYLOAD_KEYS": ",".join(KEYS.to_text().split())}
