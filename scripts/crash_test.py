"""Crash test: a realistic batch through the real stack while the worker is SIGKILLed, and,
as the chaos test (scripts/chaos_test.py), PostgreSQL stopped and the dev server restarted.

  python scripts/crash_test.py                      # 200 cases, two kills
  python scripts/crash_test.py --cases 30 --seed 7  # smaller, reproducible
  python scripts/crash_test.py --pg-stop 60 --server-restarts 1   # and the other faults
  python scripts/crash_test.py --kills 0 --terms 2  # graceful stops (scripts/restart_test.py)
  python scripts/crash_test.py --server-pause 15   # the dev server frozen (SIGSTOP) for 15 s

What it starts, the faults and the checks: testkit/rig/crash.py. Prints the figures and
PASS or FAIL (exit 1).
"""

from infrastructure.exit import run_main
from testkit.rig.crash import main, parse_args

if __name__ == "__main__":
    run_main(lambda: main(parse_args(doc=__doc__ or "")))
