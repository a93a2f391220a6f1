"""The restart test, small: worker.py gets SIGTERM twice while a batch is in flight (as a
deploy or a node drain does); it exits 0 by itself each time, having finished its running
tasks, and a new worker takes over: every event applied once, the outbox exactly as the
pure core says, no failed workflow and no failed workflow task."""

import re

from testkit.scripts import figure, run_script

STOPS = r"(\d+) \((\d+) during the ingest\)"


def test_worker_stopped_twice_mid_batch_finishes_or_hands_back_its_work() -> None:
    stdout = run_script(
        "scripts/restart_test.py",
        *("--cases", "24", "--seed", "20261201", "--terms", "2", "--concurrency", "4"),
    )
    stops = re.fullmatch(STOPS, figure(stdout, "worker stops (SIGTERM)"))
    # The second stop may come after the last event is confirmed; the first is mid-batch.
    assert stops is not None and int(stops.group(1)) == 2 and int(stops.group(2)) >= 1, stdout
    for stop in (1, 2):
        assert figure(stdout, f"stop {stop}: exit status, seconds").startswith("0, ")
    assert figure(stdout, "workflow tasks failed") == "0"
    assert figure(stdout, "case_event rows") == figure(stdout, "accepted (door)").split()[0]
