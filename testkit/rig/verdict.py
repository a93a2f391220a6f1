"""How every proving script (scripts/, bench/) ends: its figures, one to a line, each failure,
then PASS or FAIL alone on the last line (testkit/scripts.py reads them back)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence


def load() -> str:
    """The load average (1, 5, 15 min): figures from a busy machine are read differently."""
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def verdict(figures: Mapping[str, object], failures: Sequence[str], width: int = 44) -> int:
    """Print the figures and the verdict; the exit status (0 for PASS, 1 for FAIL)."""
    for label, value in figures.items():
        print(f"  {label:<{width}} {value}")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("FAIL" if failures else "PASS", flush=True)
    return 1 if failures else 0
