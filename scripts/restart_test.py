"""Restart test: the worker gets SIGTERM (a deploy, a node drain) while a batch is in flight.

  python scripts/restart_test.py                     # 60 cases, two stops
  python scripts/restart_test.py --cases 24 --seed 7

The crash test's stack and checks (scripts/crash_test.py, which takes the same options), but
the worker is stopped the way Kubernetes stops it: SIGTERM, then its grace period. Each time
it must exit by itself with status 0 within the grace period, having finished its running
tasks ("worker stopped" in its log); a new worker starts a moment later. Then, when the cases
settle: every accepted event in case_event exactly once, the outbox exactly as the core says,
no workflow failed and no workflow task failed. Workflow tasks the stopped worker had cached
(sticky) go to the next worker: that is the hand-back. Prints PASS or FAIL (exit 1).
"""

from __future__ import annotations

from infrastructure.exit import run_main
from testkit.rig.crash import DEFAULTS, main, parse_args

RESTART = {**DEFAULTS, "cases": 60, "kills": 0, "terms": 2}

if __name__ == "__main__":
    run_main(lambda: main(parse_args(defaults=RESTART, doc=__doc__ or "")))
