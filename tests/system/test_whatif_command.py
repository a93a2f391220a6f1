"""`starter.py whatif` as a child process: a bad policy file is refused with the file, the
key and the reason before the database is touched; an empty period says so; and a case
worked out by hand shows the ladder of each policy in the tables, the PNGs and the page.

The case (Norddjurs) opens Mon 5 Jan 2026 09:00 and nothing else happens, logged as a live
workflow logs it (applied when it occurred). Under policies/default.toml the job-goal
talk is due in 10 working days: level 1 Mon 19 Jan, level 2 Wed 21 Jan, level 3 Mon 26
Jan, the first reminder Mon 2 Feb (after January). With 5 working days: level 1 Mon 12
Jan, 2 Wed 14 Jan, 3 Mon 19 Jan and a level-3 reminder Mon 26 Jan: four in January.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import asyncpg
import pytest

from reports.whatif.charts import CHARTS
from reports.whatif.cli import HTML_NAME
from testkit.builders import DEFAULT_POLICY
from testkit.samples import CPH, ROOT

CASE = "K-2026-whatif"
OPENED = datetime(2026, 1, 5, 9, tzinfo=CPH)
NOWHERE = "postgresql://nobody@127.0.0.1:9/none"  # nothing listens: a read would fail


def whatif(policy: Path, *more: str, url: str = NOWHERE) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "starter.py"), "whatif", "--policy", str(policy),
               "--against", str(DEFAULT_POLICY), *more]  # fmt: skip
    env = {**os.environ, "DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def shorter(folder: Path) -> Path:
    text = DEFAULT_POLICY.read_text("utf-8")
    path = folder / "shorter.toml"
    path.write_text(text.replace('JOB_GOAL_TALK = "10 working days"',
                                 'JOB_GOAL_TALK = "5 working days"'), "utf-8")  # fmt: skip
    return path


GOOD = DEFAULT_POLICY.read_text("utf-8")


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (GOOD.replace('"12 weeks"', '"12 wekes"'), "default.max_pause", "is not a duration"),
        (GOOD.replace('HANDOVER = "3 working days"', 'HANDOVER = "3"'),
         "default.deadlines.HANDOVER", "'3' is not a duration"),
        (GOOD.replace("[default]\n", '[default]\ncolour = "blue"\n'),
         "default.colour", "is not a policy key"),
        (GOOD + '[municipalities.Viborg.ladder]\nrepeat_after = "0 days"\n',
         'municipalities."Viborg".ladder', "repeat_after: must be longer than zero"),
        ("x = [", "<toml>", "Invalid value"),
        (None, "<file>", "No such file"),
    ],
)  # fmt: skip
def test_a_bad_policy_file_is_refused_before_anything_is_read(
    tmp_path: Path, text: str | None, key: str, reason: str
) -> None:
    """The database URL leads nowhere: a read would fail otherwise."""
    path = tmp_path / "new.toml"
    if text is not None:
        path.write_text(text, "utf-8")
    done = whatif(path, "--from", "2026-01-01", "--to", "2026-01-31")
    assert done.returncode == 2
    said = " ".join(done.stderr.split())
    assert said.startswith(f"starter.py whatif: refused {path}: {key}: "), said
    assert reason in said, said


async def _log_opened(url: str) -> None:
    data = {"municipality": "Norddjurs", "owner": "sb-07", "team": "sygedagpenge-1",
            "sick_listed_on": "2025-11-20", "employment_ended_on": "2025-12-31"}  # fmt: skip
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO case_event (case_id, event_id, seq, type, occurred_at, applied_at, "
            "data) VALUES ($1, $2, 1, 'case_opened', $3, $3, $4::jsonb)",
            CASE, f"{CASE}-opened", OPENED, json.dumps(data),
        )  # fmt: skip
    finally:
        await conn.close()


async def _ladder(url: str, folder: Path, *more: str) -> subprocess.CompletedProcess[str]:
    """The case above, replayed for January under the shorter policy, into folder/out."""
    await _log_opened(url)
    period = ("--from", "2026-01-01", "--to", "2026-01-31", "--out", str(folder / "out"))
    done = await asyncio.to_thread(whatif, shorter(folder), *period, *more, url=url)
    assert done.returncode == 0, done.stderr
    return done


async def test_whatif_shows_each_policys_ladder(clean_db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = await _ladder(clean_db, tmp_path, "--lang", "en")
    assert "Messages by kind and level" in done.stdout
    pngs = {name: (out / name).read_bytes() for name in CHARTS}
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in pngs.values())
    html = (out / HTML_NAME).read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html><html lang="en">')
    inlined = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert sorted(base64.b64decode(i) for i in inlined) == sorted(pngs.values())
    assert "http://" not in html and "https://" not in html
    text = re.sub(r"(?:<[^>]+>)+", "|", html)
    assert "|Missed deadline, level 1: owner reminded|1|1|same|" in text
    assert "|Missed deadline, level 3: department head told|1|2|+1 (+100%)|" in text
    # The law's clocks, the same under both (the stage policy does not move them): absent
    # from Thu 20 Nov 2025, the first talk by Wed 14 Jan; level 1 at its end, level 2 two
    # working days on (19 Jan), level 3 three more (22 Jan): all in January.
    for level in ("1: owner reminded", "2: team lead told", "3: department head told"):
        assert f"|Statutory follow-up missed, level {level}|1|1|same|" in text
    assert "|All messages|6|7|+1 (+17%)|" in text
    # Level 1 to the caseworker, 2 to the team lead, 3 (and the reminder) to the head, each
    # with the law's level beside the stage's. Five weeks touch January.
    assert "|Sick-leave caseworker (own cases)|0.4|1|0.4|2|" in text
    assert "|Sick-leave team lead|0.4|2|0.4|1|" in text
    assert "|Sick-leave department head|0.4|1|0.6|2|" in text
    assert "|Cases that stalled in the period (department head told)|1|1|same|" in text
    assert f"|{CASE}|6 → 7|" in text


async def test_whatif_is_in_danish_by_default(clean_db: str, tmp_path: Path) -> None:
    """The same ladder as above, in Danish words."""
    out = tmp_path / "out"
    done = await _ladder(clean_db, tmp_path)
    assert "Beskeder efter type og niveau" in done.stdout
    html = (out / HTML_NAME).read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html><html lang="da">')
    text = re.sub(r"(?:<[^>]+>)+", "|", html)
    assert "|Hvad nu hvis: nuværende → ny (shorter.toml)|" in text
    assert "|Overskredet frist, niveau 1: sagsejer påmindet|1|1|uændret|" in text
    assert "|Overskredet frist, niveau 3: afdelingsleder underrettet|1|2|+1 (+100%)|" in text
    assert "|Lovpligtig opfølgning ikke holdt, niveau 1: sagsejer påmindet|1|1|uændret|" in text
    assert "|Alle beskeder|6|7|+1 (+17%)|" in text
    assert "|Teamleder i sygedagpengeafdelingen|0.4|2|0.4|1|" in text
    assert "Messages by kind and level" not in text


async def test_a_period_without_events_says_so(clean_db: str, tmp_path: Path) -> None:
    await _log_opened(clean_db)
    done = await asyncio.to_thread(
        whatif, shorter(tmp_path), "--from", "2025-06-01", "--to", "2025-06-30", url=clean_db
    )
    assert done.returncode == 1
    assert "Ingen sagshændelser i alle kommuner, 01 jun. 2025 til 30 jun. 2025" in done.stdout
