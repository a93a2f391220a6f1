"""The dev server frozen (SIGSTOP) for 40 s while a batch is in flight, longer than any call
timeout of the door's: the door sends the waiting events again with the same delivery id and
asks again for their receipts, and every event is applied once, with its first receipt, as
the pure core says (a door that gave up on the first timeout failed the whole batch)."""

import re

from tests.script_support import figure, run_script

PAUSES = r"1 \((\d+) during the ingest\), down (\d+\.\d)s"


def test_a_frozen_server_loses_and_repeats_nothing() -> None:
    stdout = run_script(
        "scripts/crash_test.py",
        *("--cases", "24", "--seed", "20261202", "--kills", "0", "--server-pause", "40"),
        *("--concurrency", "8"),
    )
    paused = re.fullmatch(PAUSES, figure(stdout, "dev server pauses (SIGSTOP)"))
    assert paused is not None, stdout
    assert paused.group(1) == "1" and float(paused.group(2)) >= 40, stdout
