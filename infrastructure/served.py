"""The municipalities the door takes, read from the policy file the worker reads.

`TRAPPEBRO_POLICY` names the file (infrastructure/config.py); it is re-read when it changes, so an
operator who adds a municipality needs no restart of the door.
"""

from __future__ import annotations

import os
from pathlib import Path

from infrastructure.config import DEFAULT_POLICY, REPO_ROOT
from infrastructure.policy_file import load_policy_book

_cache: dict[Path, tuple[float, frozenset[str]]] = {}


def policy_path() -> Path:
    path = Path(os.environ.get("TRAPPEBRO_POLICY") or DEFAULT_POLICY).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def served_municipalities(path: Path | None = None) -> frozenset[str]:
    path = path or policy_path()
    mtime = path.stat().st_mtime
    cached = _cache.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, load_policy_book(path).served_municipalities)
        _cache[path] = cached
    return cached[1]
