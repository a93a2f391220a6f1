"""Realistic event batches for the crash test and the benchmark (testkit/rig/generate.py),
and what the pure core says they must produce.

  python bench/generate.py --cases 200 --seed 7 > events.jsonl   # for starter.py ingest
  python bench/generate.py --cases 200 --summary    # what the core expects, PASS or FAIL
"""

import argparse
import sys
from pathlib import Path

from infrastructure.policy_file import load_policy_book
from testkit.rig.catalogue import DEFAULT_POLICY
from testkit.rig.expectation import summary
from testkit.rig.generate import generate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policy", type=Path, default=DEFAULT_POLICY)
    parser.add_argument("--summary", action="store_true", help="print what the core expects")
    args = parser.parse_args()
    batch = generate(args.cases, args.seed, policy_path=args.policy)
    if args.summary:
        return summary(batch, load_policy_book(args.policy))
    for line in batch.lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
