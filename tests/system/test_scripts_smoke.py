"""Every benchmark and proof script that CI does not run elsewhere, at a smoke size (seconds),
as its own process: it must exit 0 with PASS and print its figures, so a crash or a script
that rots fails CI. The chaos, crash, restart, scale and hostile-input scripts have their
own tests (test_chaos.py, test_crash.py, ...); what the scripts share (testkit/rig) runs
inside them. Not here:
scripts/fetch_histories.py, which reads a running dev server (test_replay_all.py runs it)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from testkit.paths import REPO_ROOT
from testkit.scripts import figure, run_script

NUMBER = r"\d+(?:\.\d+)?"


def rate(stdout: str, label: str) -> float:
    value = figure(stdout, label)
    assert re.fullmatch(NUMBER, value), f"{label}: {value!r}"
    return float(value)


ENTRY_POINTS = sorted(
    str(path.relative_to(REPO_ROOT)) for folder in ("bench", "scripts")
    for path in (REPO_ROOT / folder).glob("*.py")
)  # fmt: skip


@pytest.mark.parametrize("script", ENTRY_POINTS)
def test_every_entry_point_runs_as_a_file(script: str) -> None:
    """`python bench/x.py` as the docs say, from any folder: what it imports is installed."""
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / script), "--help"],
        cwd=Path("/"), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:"), result.stdout


def test_throughput_sends_both_batches_and_prints_the_ratio() -> None:
    """The minimal phase crashed here once (one connection for two concurrent counts)."""
    stdout = run_script(
        "bench/throughput.py", "--cases", "20", "--concurrency", "4", "--no-targets"
    )
    assert rate(stdout, "case events/s (sent)") > 0
    assert rate(stdout, "minimal workflows/s (row written)") > 0
    assert rate(stdout, "ratio (aim >= 0.8, not applied)") > 0
    events = figure(stdout, "events sent")
    assert figure(stdout, "rows written, workflows completed") == f"[{events}, {events}]"


def test_matching_times_both_queries_and_finds_suggestions() -> None:
    stdout = run_script(
        "bench/matching.py", *("--cases", "500", "--openings", "100", "--runs", "20"),
        "--no-targets",
    )  # fmt: skip
    each = rf"{NUMBER} / {NUMBER} ms, ({NUMBER}) suggestions each"
    for label in ("one opening against 500 cases", "one case against 100 open openings"):
        found = re.fullmatch(each, figure(stdout, label))
        assert found is not None and float(found.group(1)) > 0, stdout


def test_generate_summary_says_what_the_core_expects() -> None:
    stdout = run_script("bench/generate.py", "--cases", "20", "--seed", "3", "--summary")
    lines, cases = figure(stdout, "lines, cases").split(", ")
    assert cases == "20" and int(lines) > 20
    assert "'accepted'" in figure(stdout, "outcomes (pure core)")


def test_year_writes_a_year_the_core_accepts(tmp_path: Path) -> None:
    stdout = run_script("bench/year.py", "--scale", "0.05", "--out", str(tmp_path))
    cases, events, openings = map(int, figure(stdout, "cases, events, openings").split(", "))
    assert min(cases, events, openings) > 0
    assert len((tmp_path / "events.jsonl").read_text("utf-8").splitlines()) == events
    assert len((tmp_path / "openings.jsonl").read_text("utf-8").splitlines()) == openings


def test_feed_year_feeds_the_door_and_writes_every_report(tmp_path: Path) -> None:
    stdout = run_script(
        "scripts/feed_year.py", *("--scale", "0.02", "--quiet-for", "3"),
        *("--pg-dir", str(tmp_path / "pg"), "--out", str(tmp_path / "reports")),
    )  # fmt: skip
    fed = int(figure(stdout, "lines fed (cases, openings)").split()[0])
    assert figure(stdout, "accepted, refused, unconfirmed") == f"{fed}, 0, 0"
    for report in ("all", "Norddjurs", "Viborg", "Lyngby-Taarbæk"):
        assert rate(stdout, f"report {report} (s)") > 0


def test_record_histories_writes_histories_that_replay(tmp_path: Path) -> None:
    stdout = run_script(
        "scripts/record_histories.py", "--only", "happy_path", "--out", str(tmp_path)
    )
    assert figure(stdout, "histories written, events").startswith("1, ")
    assert [p.name for p in tmp_path.iterdir()] == ["happy_path.json"]


def test_record_opening_histories_writes_histories_that_replay(tmp_path: Path) -> None:
    stdout = run_script("scripts/record_opening_histories.py", "--out", str(tmp_path))
    written = int(figure(stdout, "histories written, events").split(", ")[0])
    assert written == len(list(tmp_path.glob("*.json"))) > 0
