"""The crash test, small: a real dev server, PostgreSQL and worker.py, SIGKILLed twice while
a batch is in flight; every event applied once, the outbox exactly as the pure core says.

Runs scripts/crash_test.py as a subprocess, as an operator would (it starts and kills its
own processes, which must never happen inside the pytest process).
"""

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "crash_test.py"
KILLS_LINE = r"worker kills \(SIGKILL\)\s+(\d+) \((\d+) during the ingest\)"


def test_worker_killed_twice_mid_batch_loses_and_repeats_nothing() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--cases",
            "24",
            "--seed",
            "20261123",
            "--kills",
            "2",
            "--concurrency",
            "4",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert result.stdout.rstrip().endswith("PASS"), output
    # The second kill may land after the last event is confirmed (the ingest can finish in a
    # burst once the killed worker's tasks time out); at least one must hit the batch mid-air.
    kills = re.search(KILLS_LINE, result.stdout)
    assert kills is not None, output
    assert int(kills.group(1)) == 2, output
    assert int(kills.group(2)) >= 1, output
