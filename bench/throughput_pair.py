"""Throughput before and after a change in one run: bench/throughput.py for two revisions.

  python bench/throughput_pair.py --before a62e1cb --cherry-pick c814d8d --pairs 4 --cases 150

The before revision is checked out into a temporary git worktree (with `--cherry-pick` commits
applied on top, e.g. a later fix of the benchmark itself); the after side is this checkout as
it is. Each pair runs both sides one after the other, in the order before-after, then
after-before (ABBA), so that a machine whose load drifts does not favour one side. Every run
starts its own Temporal dev server, PostgreSQL and workers (bench/throughput.py), so no run
inherits another's warm server.

Prints per run the case events/s, the minimal baseline's workflows/s and their ratio, then per
side the mean and spread, and per pair after/before for both the ratio and the case rate.
The ratio divides by a baseline measured a minute apart in the same run, so its noise is the
baseline's noise too: the case rate of back-to-back runs is printed beside it for that reason.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    side: str
    case_rate: float
    baseline: float
    ratio: float


def checkout(rev: str, picks: list[str], folder: Path) -> Path:
    """A detached worktree of `rev` with `picks` applied (not committed)."""
    tree = folder / "before"
    subprocess.run(
        ["git", "-C", str(HERE), "worktree", "add", "-q", "--detach", str(tree), rev], check=True
    )
    for pick in picks:
        subprocess.run(["git", "-C", str(tree), "cherry-pick", "-n", pick], check=True)
    return tree


def measure(side: str, tree: Path, cases: int) -> Run:
    """One bench/throughput.py run in `tree`, with this interpreter (its venv has the deps)."""
    done = subprocess.run(
        [sys.executable, str(tree / "bench" / "throughput.py"), "--cases", str(cases), "--json"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=False,
    )
    start = done.stdout.find("{")
    if start < 0:
        raise SystemExit(f"{side}: bench/throughput.py printed no figures:\n{done.stderr[-2000:]}")
    result, _ = json.JSONDecoder().raw_decode(done.stdout[start:])
    a, b = result["(a) case service"], result["(b) minimal workflow"]
    return Run(side, a["events/s (sent)"], b["workflows/s (row written)"], result["ratio (a)/(b)"])


def spread(values: list[float]) -> str:
    return f"mean {statistics.fmean(values):7.2f}  min {min(values):7.2f}  max {max(values):7.2f}"


def report(pairs: list[tuple[Run, Run]]) -> None:
    print(f"{'pair':<5}{'side':<8}{'case ev/s':>11}{'minimal wf/s':>14}{'ratio':>8}")
    for number, pair in enumerate(pairs, 1):
        for run in pair:
            print(
                f"{number:<5}{run.side:<8}{run.case_rate:>11.1f}{run.baseline:>14.1f}"
                f"{run.ratio:>8.2f}"
            )
    for side in ("before", "after"):
        runs = [run for pair in pairs for run in pair if run.side == side]
        print(f"{side:<7} ratio {spread([r.ratio for r in runs])}")
        print(f"{'':<7} case  {spread([r.case_rate for r in runs])}")
    ordered = [sorted(pair, key=lambda run: run.side != "before") for pair in pairs]
    ratio_change = [after.ratio / before.ratio for before, after in ordered]
    rate_change = [after.case_rate / before.case_rate for before, after in ordered]
    print(
        f"after/before ratio      per pair {[round(x, 2) for x in ratio_change]}  "
        f"mean {statistics.fmean(ratio_change):.2f}"
    )
    print(
        f"after/before case rate  per pair {[round(x, 2) for x in rate_change]}  "
        f"mean {statistics.fmean(rate_change):.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the revision before the change")
    parser.add_argument("--cherry-pick", action="append", default=[], help="apply on before")
    parser.add_argument("--pairs", type=int, default=3, help="pairs of runs (3)")
    parser.add_argument("--cases", type=int, default=150, help="cases per run (150)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trappebro-pair-") as folder:
        before = checkout(args.before, args.cherry_pick, Path(folder))
        try:
            pairs: list[tuple[Run, Run]] = []
            for number in range(args.pairs):
                sides = [("before", before), ("after", HERE)][:: 1 if number % 2 == 0 else -1]
                pair = tuple(measure(side, tree, args.cases) for side, tree in sides)
                print(
                    f"pair {number + 1}/{args.pairs}: "
                    + ", ".join(f"{r.side} {r.ratio:.2f}" for r in pair),
                    flush=True,
                )
                pairs.append((pair[0], pair[1]))
        finally:
            subprocess.run(
                ["git", "-C", str(HERE), "worktree", "remove", "--force", str(before)], check=False
            )
    report(pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
