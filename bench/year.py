"""A synthetic year of three municipalities, for the team leads' report and benchmarks
(the draws: testkit/rig/year.py).

  python bench/year.py --out .data/year     # openings.jsonl and events.jsonl, checked
  python scripts/feed_year.py               # generate, feed through the door, report
"""

import argparse
import sys
from datetime import timedelta
from pathlib import Path

from testkit.rig.verdict import verdict
from testkit.rig.year import generate_year, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="times the case rates (1)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the two files")
    args = parser.parse_args()
    year = generate_year(args.seed, args.scale)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "openings.jsonl").write_text("\n".join(year.registrations) + "\n", "utf-8")
    (args.out / "events.jsonl").write_text("\n".join(year.events) + "\n", "utf-8")
    figures = {
        "cases, events, openings": f"{year.cases}, {len(year.events)}, {len(year.registrations)}",
        "from, to": f"{year.start:%Y-%m-%d}, {year.end - timedelta(days=1):%Y-%m-%d}",
        "written to": args.out,
    }
    return verdict(figures, problems(year), width=24)



if __name__ == "__main__":
    sys.exit(main())
