"""The crash test, small: a real dev server, PostgreSQL and worker.py, the worker SIGKILLed
twice or the dev server frozen while a batch is in flight; every event applied once, the
outbox exactly as the pure core says."""

import re

from testkit.scripts import figure, run_script

FAULTS = r"(\d+) \((\d+) during the ingest\)(?:, down (\d+\.\d)s)?"


def inflicted(stdout: str, label: str) -> tuple[int, int, float]:
    """How often a fault was inflicted, how often during the ingest, seconds down in all."""
    match = re.fullmatch(FAULTS, figure(stdout, label))
    assert match is not None, stdout
    return int(match.group(1)), int(match.group(2)), float(match.group(3) or 0)


def test_worker_killed_twice_mid_batch_loses_and_repeats_nothing() -> None:
    stdout = run_script(
        "scripts/crash_test.py",
        *("--cases", "24", "--seed", "20261123", "--kills", "2", "--concurrency", "4"),
    )
    # The second kill may land after the last event is confirmed (the ingest can finish in a
    # burst once the killed worker's tasks time out); at least one must hit the batch mid-air.
    kills, during, _ = inflicted(stdout, "worker kills (SIGKILL)")
    assert kills == 2 and during >= 1, stdout


def test_a_frozen_server_loses_and_repeats_nothing() -> None:
    """The dev server frozen (SIGSTOP) for 40 s mid-batch, longer than any call timeout of
    the door's: the door sends the waiting events again with the same delivery id and asks
    again for their receipts, and every event is applied once, with its first receipt, as
    the pure core says (a door that gave up on the first timeout failed the whole batch)."""
    stdout = run_script(
        "scripts/crash_test.py",
        *("--cases", "24", "--seed", "20261202", "--kills", "0", "--server-pause", "40"),
        *("--concurrency", "8"),
    )
    pauses, during, frozen = inflicted(stdout, "dev server pauses (SIGSTOP)")
    assert (pauses, during) == (1, 1) and frozen >= 40, stdout
