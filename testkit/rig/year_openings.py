"""The company service's openings for the generated year (bench/year.py).

Registered at a Poisson rate of 0.4 per working day per municipality, between 08:00 and
15:00; kind recruitment 40 %, wage subsidy 25 %, internship 15 % (leading to paid work),
small job 10 %, flex job 10 %; candidates wanted 14-28 days after registration, the start
7-21 days after that. The case walks' placements fill them; 35 % of those nobody was
placed in are withdrawn 30 days after their candidates-by date.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from testkit.rig.catalogue import EMPLOYERS, JOB_GOALS, TZ

OPENINGS_PER_DAY = 0.4  # per municipality and working day
KINDS = ("recruitment", "wage_subsidy", "internship", "small_job", "flex_job")
KIND_WEIGHTS = (40, 25, 15, 10, 10)
REASON = "besat af virksomheden selv"
WITHDRAWN = 0.35  # of openings nobody was placed in, 30 days after the candidates-by date


@dataclass
class Opening:
    opening_id: str
    municipality: str
    kind: str
    registered_at: datetime
    data: dict[str, object]
    withdrawn_at: datetime | None = None
    filled_at: datetime | None = None

    def open_at(self, moment: datetime) -> bool:
        """Could be proposed at `moment`: registered, not filled or withdrawn before."""
        return (
            self.registered_at < moment
            and (self.filled_at is None or self.filled_at > moment)
            and (self.withdrawn_at is None or self.withdrawn_at > moment)
        )


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: fine for the small means used here)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def working_days(start: datetime, end: datetime) -> list[datetime]:
    day, out = start.astimezone(TZ).date(), []
    while day < end.astimezone(TZ).date():
        if day.weekday() < 5:
            out.append(datetime.combine(day, time(0), TZ))
        day += timedelta(days=1)
    return out


def openings_for(
    rng: random.Random,
    municipality: str,
    start: datetime,
    end: datetime,
    prefix: str,
    scale: float = 1.0,
) -> list[Opening]:
    out: list[Opening] = []
    for day in working_days(start, end):
        for _ in range(poisson(rng, OPENINGS_PER_DAY * scale)):
            registered = day + timedelta(hours=rng.randint(8, 15))
            kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
            title, code = rng.choice(JOB_GOALS)
            by = registered.date() + timedelta(days=rng.randint(14, 28))
            data: dict[str, object] = {
                "kind": kind,
                "employer": rng.choice(EMPLOYERS),
                "title": title,
                "disco_code": code,
                "hours_per_week": rng.choice((15, 20, 25, 30, 37)),
                "municipality": municipality,
                "starts_on": (by + timedelta(days=rng.randint(7, 21))).isoformat(),
                "candidates_by": by.isoformat(),
                "consultant": f"vs-{rng.randint(1, 8):02d}",
            }
            if kind == "internship":
                data["leads_to_paid_job"] = True
            opening = Opening(f"{prefix}-{len(out) + 1:04d}", municipality, kind, registered, data)
            if rng.random() < WITHDRAWN:
                opening.withdrawn_at = datetime.combine(by + timedelta(days=30), time(10), TZ)
            out.append(opening)
    return out


def _line(opening: Opening, kind: str, moment: datetime, data: dict[str, object]) -> str:
    return json.dumps(
        {
            "event_id": f"{opening.opening_id}-{kind}",
            "opening_id": opening.opening_id,
            "type": kind,
            "occurred_at": moment.isoformat(timespec="seconds"),
            "data": data,
        },
        ensure_ascii=False,
    )


def opening_lines(openings: list[Opening], end: datetime) -> tuple[list[str], list[str]]:
    """The registrations (to send first, so proposals find their opening) and the
    withdrawals that fall inside the year."""
    registered = [_line(o, "opening_registered", o.registered_at, o.data) for o in openings]
    withdrawn = [
        _line(o, "opening_withdrawn", o.withdrawn_at, {"reason": REASON,
              "withdrawn_on": o.withdrawn_at.astimezone(TZ).date().isoformat()})
        for o in openings
        if o.withdrawn_at is not None and o.filled_at is None and o.withdrawn_at < end
    ]  # fmt: skip
    return registered, withdrawn
