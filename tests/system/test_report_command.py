"""`starter.py report` as a child process on the hand-worked world of
testkit/report_world.py: the terminal tables, the PNGs and one self-contained HTML page
with those PNGs and the figures test_report_views.py checks in the views."""

from __future__ import annotations

import asyncio
import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from reports.charts import CHARTS
from testkit.report_world import HOME, World, world_fixture
from testkit.samples import ROOT

world = world_fixture()


async def _report(world: World, out: Path, *more: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "starter.py"), "report", "--from", "2026-01-01"]
    command += ["--to", "2026-06-30", "--municipality", HOME, "--out", str(out), *more]
    env = {**os.environ, "DATABASE_URL": world.database_url, "COLUMNS": "160"}
    return await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=120
    )


async def test_report_command_writes_charts_and_page(world: World, tmp_path: Path) -> None:
    """`starter.py report --lang en` as a child process: the terminal tables, the four PNGs
    and one self-contained HTML page holding those PNGs and the figures worked out above."""
    out = tmp_path / "report"
    done = await _report(world, out, "--lang", "en")
    assert done.returncode == 0, done.stderr
    for figure in ("Handovers accepted in the period", "Accepted before the citizen was fit"):
        assert figure in done.stdout
    pngs = {name: (out / name).read_bytes() for name in CHARTS}
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs.values())
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html><html lang="en">')
    inlined = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert sorted(base64.b64decode(i) for i in inlined) == sorted(pngs.values())
    assert "http://" not in html and "https://" not in html  # nothing fetched from outside
    text = re.sub(r"(?:<[^>]+>)+", "|", html)
    # A started 26 days before fit, B 31 after: one of two, typical gap 2.5 days.
    assert "|50%|" in text
    assert "1 of 2 accepted handovers; typically 2.5 days after the fit-for-work date" in text
    # Norddjurs opened A, B, C in the period; A is employed (D is Viborg's).
    assert "|Case opened|3|100%|" in text and "|Employed at the end|1|33%|" in text
    # Job-goal talk: A 14.04, B 2, C 3 days: three stays, typical 3.0.
    assert "|Job-goal talk|3|3.0|" in text
    assert "|Sick-leave department|Job-goal talk|1: owner reminded|1|1|" in text
    # The law's clocks, by hand: every case was sick-listed 35 days before it opened and
    # held no statutory talk. A (from 1 Dec 2025): the first talk by the end of week 8,
    # Sun 25 Jan, unmet until fit for work on 2 Mar: 36 days late. B and C ended before
    # their first talk fell due. Nobody is overdue now: every benefit has ended.
    assert "|Norddjurs|sygedagpenge-1|Jan 2026|follow-up talk|1|0 (0%)|1|36|36|" in text
    assert "Timeliness of statutory follow-up" in done.stdout
    overdue = text.split("Open cases overdue on statutory follow-up", 1)[1]
    assert "|K-" not in overdue


async def test_the_report_is_in_danish_by_default(world: World, tmp_path: Path) -> None:
    """The same figures as above, in Danish words (stages in the core's words)."""
    out = tmp_path / "rapport"
    done = await _report(world, out)
    assert done.returncode == 0, done.stderr
    assert "Overleveringer accepteret i perioden" in done.stdout
    assert "Accepteret, før borgeren var rask" in done.stdout
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html><html lang="da">')
    text = re.sub(r"(?:<[^>]+>)+", "|", html)
    assert "|Hvad virker: sager fra sygedagpenge til job|" in text
    assert "Norddjurs, 01 jan. 2026 til 30 jun. 2026" in text
    assert "1 af 2 accepterede overleveringer; typisk 2.5 dage efter raskmeldingsdatoen" in text
    assert "|Sag oprettet|3|100%|" in text and "|I job ved afslutningen|1|33%|" in text
    assert "|Jobmålssamtale|3|3.0|" in text
    assert "|Sygedagpengeafdelingen|Jobmålssamtale|1: sagsejer påmindet|1|1|" in text
    assert "Time in each stage" not in text and "Job-goal talk" not in text


@pytest.mark.parametrize(
    ("last", "database", "says"),
    [("2026-01-31", False, "DATABASE_URL is not set"), ("2025-12-31", True, "--to is before")],
)
async def test_report_refuses_what_it_cannot_do(
    world: World, tmp_path: Path, last: str, database: bool, says: str
) -> None:
    command = [sys.executable, str(ROOT / "starter.py"), "report", "--from", "2026-01-01"]
    command += ["--to", last, "--out", str(tmp_path / "out")]
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database:
        env["DATABASE_URL"] = world.database_url
    done = await asyncio.to_thread(
        subprocess.run, command, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and says in done.stderr
    assert not (tmp_path / "out").exists()
