"""Chaos test: 1,000 generated cases ingested while the worker is SIGKILLed three times,
PostgreSQL is stopped for a minute, the Temporal dev server is restarted on its database
file, the outbox relay is SIGKILLed and the webhook receiver is down for 30 s, each at a
random moment; then every case is checked against the pure core, and every outbox row
must have reached the receiver (testkit/rig/relay_chaos.py).

  python scripts/chaos_test.py                          # 1,000 cases, about 8 minutes
  python scripts/chaos_test.py --cases 60 --kills 1 --pg-stop 10 --seed 7   # the CI version

The machinery is the crash test's (scripts/crash_test.py, which takes the same options);
only the defaults differ. Prints the counts and PASS or FAIL (exit 1).
"""

from __future__ import annotations

from infrastructure.exit import run_main
from testkit.rig.crash import DEFAULTS, main, parse_args

CHAOS = {**DEFAULTS, "cases": 1000, "kills": 3, "pg_stop": 60.0, "server_restarts": 1,
         "settle_timeout": 900.0, "relay_kills": 1, "receiver_down": 30.0}  # fmt: skip

if __name__ == "__main__":
    run_main(lambda: main(parse_args(defaults=CHAOS, doc=__doc__ or "")))
