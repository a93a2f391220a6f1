"""Events per second through the pure core (parse + `decide`) on the generated year, and
the same measurement of an earlier commit in the same run, as a ratio.

  python bench/core_speed.py                  # this tree against HEAD~1
  python bench/core_speed.py --rev 2ef47eb    # against any commit
  python bench/core_speed.py --no-gc          # both with the garbage collector off

The year (bench/year.py, three municipalities) is generated once by this tree and written
to a file; the earlier commit is unpacked with `git archive` into a temporary folder and
measured there in a subprocess running this same file with that folder first on the
path, so both time the very same lines. Each case's lines go through
`core.intake.parse_event` and `core.case.process.decide` in order (the municipality's policy
looked up once, as the worker's activity answers it), then the clock runs to now. Times are
the process's CPU time, best of --repeat runs: the machine is shared, and waiting for a
core is not the core's cost.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent


def measure(lines_file: Path, now: datetime, repeat: int, no_gc: bool) -> dict[str, Any]:
    """Runs against whichever `core` is first on sys.path."""
    if no_gc:  # as the what-if runs it (reports/whatif/cli.py)
        gc.freeze()
        gc.disable()
    parse_event, decide, CaseState, load_policy_book = _core_api()
    book = load_policy_book(_root_of(parse_event) / "policies" / "default.toml")
    by_case: dict[str, list[str]] = {}
    for line in lines_file.read_text("utf-8").splitlines():
        by_case.setdefault(json.loads(line)["case_id"], []).append(line)
    policies: dict[str, Any] = {}
    best, events = float("inf"), sum(len(v) for v in by_case.values())
    for _ in range(repeat):
        started = time.process_time()
        for case_id, lines in by_case.items():
            state = CaseState(case_id=case_id)
            for line in lines:
                event = parse_event(line)
                policy = None
                if event.type == "case_opened":
                    town = getattr(event.data, "municipality", "")
                    policy = policies.get(town) or policies.setdefault(
                        town, book.for_municipality(town)
                    )
                state = decide(state, event, now, policy).state
            state = decide(state, None, now).state
        best = min(best, time.process_time() - started)
    return {"events": events, "cases": len(by_case), "seconds": best}


def _core_api() -> tuple[Any, Any, Any, Any]:
    """parse_event, decide, CaseState and the policy book's reader of the `core` first on
    the path, in its layout: modules missing from an earlier tree would otherwise come from
    this checkout's editable install, mixing two cores in one measurement."""
    import core

    now = (Path(core.__file__ or "").parent / "case").is_dir()
    # Before core/case and core/kernel (2ef47eb and its time) they lived in core/ itself.
    names = (
        ("core.intake", "parse_event"),
        ("core.case.process" if now else "core.process", "decide"),
        ("core.case.state" if now else "core.state", "CaseState"),
        ("infrastructure.policy_file" if now else "core.policy", "load_policy_book"),
    )
    found = [getattr(importlib.import_module(module), name) for module, name in names]
    return found[0], found[1], found[2], found[3]


def _root_of(function: Any) -> Path:
    return Path(sys.modules[function.__module__].__file__ or "").resolve().parent.parent


def earlier(rev: str, lines_file: Path, now: datetime, repeat: int, no_gc: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="core-speed-") as folder:
        archive = subprocess.run(
            ["git", "-C", str(_ROOT), "archive", rev], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                "--measure-in",
                folder,
                "--lines",
                str(lines_file),
                "--now",
                now.isoformat(),
                "--repeat",
                str(repeat),
                *(["--no-gc"] if no_gc else []),
            ],
            capture_output=True,
            text=True,
            check=True,
            # Before the installed checkout on the path, so `core` is the earlier commit's.
            env={**os.environ, "PYTHONPATH": folder},
        )
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result


def describe(label: str, result: dict[str, Any]) -> str:
    rate = result["events"] / result["seconds"]
    per = 1000 * result["seconds"] / result["events"]
    return (
        f"{label:<28} {result['events']} events of {result['cases']} cases in "
        f"{result['seconds']:.2f} s = {rate:,.0f} events/s ({per:.3f} ms an event)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rev", default="HEAD~1", help="the commit to compare with")
    parser.add_argument("--scale", type=float, default=1.0, help="times the year's case rates")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-gc", action="store_true", help="the garbage collector off (both)")
    parser.add_argument("--measure-in", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--lines", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--now", type=datetime.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_in is not None:  # the earlier commit's tree, first on the path (PYTHONPATH)
        print(json.dumps(measure(args.lines, args.now, args.repeat, args.no_gc)))
        return 0
    # Imported here: the earlier tree's run must load no module of this one's core.
    from testkit.rig.year import generate_year

    now = datetime.now(UTC)
    year = generate_year(1, args.scale, now)
    with tempfile.TemporaryDirectory() as folder:
        lines_file = Path(folder) / "events.jsonl"
        lines_file.write_text("\n".join(x for x in year.events if '"case_id"' in x), "utf-8")
        base = earlier(args.rev, lines_file, now, args.repeat, args.no_gc)
        head = measure(lines_file, now, args.repeat, args.no_gc)
    rev = subprocess.run(
        ["git", "-C", str(_ROOT), "rev-parse", "--short", args.rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(describe(f"earlier ({args.rev} = {rev})", base))
    print(describe("this tree", head))
    print(f"speed-up: {base['seconds'] / head['seconds']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
