"""The law's follow-up in a generated year (testkit/rig/year_cases.py asks it): statutory
talks, the reassessment and early-talk requests, held with realistic lateness.

Most talks are held in the days before the law's latest date, some late (a few days to a
few weeks); the next is then due 4 weeks after the talk actually held, as the law counts.
One case in twenty has an early talk asked for, held within the two weeks as a rule.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from core.statutory.calendar import end_of_week, weeks_after
from core.statutory_rules import StatutoryRules
from testkit.rig.catalogue import TZ

LATE_SHARE = 0.18  # of talks and reassessments: held after the law's latest date
EARLY_REQUEST_SHARE = 0.05  # of cases: a citizen or employer asks for an early talk


@dataclass
class LawWalk:
    """The next statutory event of one case, and the ones after it as each is held."""

    rng: random.Random
    sick_listed_on: date
    rules: StatutoryRules

    def __post_init__(self) -> None:
        first = end_of_week(self.sick_listed_on, self.rules.first_talk_weeks)
        self.talk_on = self._held(first)
        self.talk_kind = "first"
        reassess = end_of_week(self.sick_listed_on, self.rules.reassessment_weeks)
        self.reassess_on: date | None = self._held(reassess)
        self.request_on: date | None = None
        if self.rng.random() < EARLY_REQUEST_SHARE:
            self.request_on = self.sick_listed_on + timedelta(days=self.rng.randint(10, 40))

    def next_event(self) -> tuple[date, str, dict[str, Any]]:
        """The earliest statutory event still to come: (its day, type, data)."""
        found: list[tuple[date, str, dict[str, Any]]] = [
            (self.talk_on, "statutory_talk_held", {"kind": self.talk_kind})
        ]
        if self.reassess_on is not None:
            result = "job_clarification_course" if self.rng.random() < 0.1 else "extension"
            found.append((self.reassess_on, "reassessment_held", {"result": result}))
        if self.request_on is not None:
            by = self.rng.choice(("citizen", "employer"))
            found.append((self.request_on, "early_talk_requested", {"requested_by": by}))
        return min(found, key=lambda f: f[0])

    def sent(self, kind: str, on: date) -> None:
        """The event of `kind` was sent, dated `on`: what is due next follows from it."""
        if kind == "statutory_talk_held":
            due = weeks_after(on, self.rules.followup_every_weeks)
            self.talk_on, self.talk_kind = self._held(due), "regular"
        elif kind == "reassessment_held":
            self.reassess_on = None
        else:
            self.request_on = None
            early = on + timedelta(days=self.rng.randint(2, 16))
            if early < self.talk_on:
                self.talk_on, self.talk_kind = early, "early"

    def _held(self, latest: date) -> date:
        if self.rng.random() < LATE_SHARE:
            return latest + timedelta(days=max(1, round(self.rng.lognormvariate(2.0, 0.7))))
        return latest - timedelta(days=self.rng.randint(0, 10))


def at_work(rng: random.Random, day: date) -> datetime:
    """An office hour on `day`."""
    return datetime.combine(day, time(rng.randint(8, 15), rng.choice((0, 15, 30, 45))), TZ)
