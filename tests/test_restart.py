"""The restart test, small: worker.py gets SIGTERM twice while a batch is in flight (as a
deploy or a node drain does); it exits 0 by itself each time, having finished its running
tasks, and a new worker takes over: every event applied once, the outbox exactly as the
pure core says, no failed workflow and no failed workflow task.

Runs scripts/restart_test.py as a subprocess, as an operator would.
"""

import re
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "restart_test.py"


def figure(output: str, label: str) -> str:
    match = re.search(rf"^  {re.escape(label)}\s+(.+)$", output, re.M)
    assert match is not None, output
    return match.group(1)


def test_worker_stopped_twice_mid_batch_finishes_or_hands_back_its_work() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--cases",
            "24",
            "--seed",
            "20261201",
            "--stops",
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
    stops = re.fullmatch(
        r"(\d+) \((\d+) during the ingest\)", figure(output, "worker stops (SIGTERM)")
    )
    # The second stop may come after the last event is confirmed; the first is mid-batch.
    assert stops is not None and int(stops.group(1)) == 2 and int(stops.group(2)) >= 1, output
    for stop in (1, 2):
        assert figure(result.stdout, f"stop {stop}: exit status, seconds").startswith("0, ")
    assert figure(result.stdout, "workflow tasks failed") == "0"
    assert (
        figure(result.stdout, "case_event rows")
        == figure(result.stdout, "accepted (door)").split()[0]
    )
