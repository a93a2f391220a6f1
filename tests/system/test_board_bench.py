"""bench/board_speed.py at a smoke size, as its own process: it fills the database, times
the overview for both leads and prints the plans, so a script that rots fails CI."""

from __future__ import annotations

import re

from testkit.scripts import figure, run_script


def test_the_board_benchmark_runs_small() -> None:
    stdout = run_script(
        "bench/board_speed.py", *("--cases", "300", "--closed", "300", "--runs", "5"),
        "--no-targets",
    )  # fmt: skip
    for lead in ("tl-one-team", "head-company-service"):
        value = figure(stdout, f"/now {lead} median / p95")
        assert re.fullmatch(r"\d+\.\d / \d+\.\d ms \(\d+ KiB page\)", value), value
    assert "Bitmap Index Scan on board_case_team_deadline" in stdout
    assert "Index Only Scan Backward using board_case_updated" in stdout
