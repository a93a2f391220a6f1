"""What generated loads draw from: municipalities, job goals, employers, restrictions, outcomes,
and the smallest valid case_opened line."""

from __future__ import annotations

import json
import random
import string
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from infrastructure.config import REPO_ROOT

TZ = ZoneInfo("Europe/Copenhagen")
DEFAULT_POLICY = REPO_ROOT / "policies" / "default.toml"
MUNICIPALITIES = ("Lyngby-Taarbæk", "Viborg", "Norddjurs", "Aarhus", "Odense", "Herning")
JOB_GOALS = (
    ("Kundeservicemedarbejder", "4222"),
    ("Kontorassistent", "4110"),
    ("Lagerarbejder", "9333"),
    ("Buschauffør", "8331"),
    ("Pædagogmedhjælper", "5312"),
    ("Social- og sundhedshjælper", "5322"),
    ("Butiksassistent", "5223"),
    ("Rengøringsassistent", "9112"),
    ("Tømrer", "7115"),
    ("Bogholder", "4311"),
)
EMPLOYERS = ("Nordhavn Forsikring A/S", "Brugsen Viby", "Region Midt", "Arla Foods", "DSV")
RESTRICTIONS = ("no_long_standing", "no_heavy_lifting", "part_time_only", "no_night_shifts")
OPENING_KINDS = ("recruitment", "internship", "wage_subsidy", "small_job", "flex_job")
OUTCOMES = ("employed", "education", "flex_job", "back_to_sick_leave", "moved", "other")


def run_tag(rng: random.Random) -> str:
    # Letters only: digits in ids could form a CPR-like number that the door refuses.
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(5))


def case_opened(case_id: str, number: int, municipality: str, at: datetime) -> str:
    day = at.astimezone(TZ).date()
    data = {
        "municipality": municipality,
        "owner": f"sb-{number % 40 + 1:02d}",
        "team": f"sygedagpenge-{number % 4 + 1}",
        "sick_listed_on": (day - timedelta(days=30 + number % 60)).isoformat(),
        "employment_ended_on": (day - timedelta(days=number % 20)).isoformat(),
    }
    when = at.astimezone(TZ).isoformat(timespec="seconds")
    raw = {"event_id": f"open-{case_id}", "case_id": case_id, "type": "case_opened",
           "occurred_at": when, "data": data}  # fmt: skip
    return json.dumps(raw, ensure_ascii=False)
