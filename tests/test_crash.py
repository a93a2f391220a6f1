"""The crash test, small: a real dev server, PostgreSQL and worker.py, SIGKILLed twice while
a batch is in flight; every event applied once, the outbox exactly as the pure core says."""

import re

from tests.script_support import figure, run_script

KILLS = r"(\d+) \((\d+) during the ingest\)"


def test_worker_killed_twice_mid_batch_loses_and_repeats_nothing() -> None:
    stdout = run_script(
        "scripts/crash_test.py",
        *("--cases", "24", "--seed", "20261123", "--kills", "2", "--concurrency", "4"),
    )
    # The second kill may land after the last event is confirmed (the ingest can finish in a
    # burst once the killed worker's tasks time out); at least one must hit the batch mid-air.
    kills = re.fullmatch(KILLS, figure(stdout, "worker kills (SIGKILL)"))
    assert kills is not None, stdout
    assert int(kills.group(1)) == 2, stdout
    assert int(kills.group(2)) >= 1, stdout
