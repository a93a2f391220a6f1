"""The matching rules, pure: which candidates may be proposed for an opening, and how well
they fit. PostgreSQL applies them at scale (activities/matching.py builds its SQL from the
constants here); the tests check that its answers agree with these functions.

Hard constraints (a candidate breaking one is never suggested):
- some occupational fit: a job goal with the same DISCO-08 code, the same minor group
  (first three digits), or a title at least `TITLE_SIMILARITY` alike (trigram similarity);
- no restriction that rules out one of the opening's requirements (`blocking_restrictions`).

Soft criteria, each worth points, so a candidate who fits better on every criterion always
scores higher: occupation (exact > group > similar title), availability against the start
date (on time > unknown > late, later is worse), same municipality.
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.language import DEFAULT, N_, say

TITLE_SIMILARITY = 0.3
PART_TIME_HOURS = 30.0  # above this many hours a week, "part_time_only" rules an opening out

EXACT_POINTS, GROUP_POINTS, TITLE_POINTS = 60.0, 40.0, 20.0
ON_TIME_POINTS, UNKNOWN_POINTS, LATE_POINTS = 25.0, 10.0, 20.0  # late: one point less a day
MUNICIPALITY_POINTS = 15.0

# Restrictions (what a citizen cannot do) and the requirements they rule out. Beyond this
# table, a restriction "no_<tag>" rules out the requirement "<tag>".
CONFLICTS: dict[str, frozenset[str]] = {
    "no_long_standing": frozenset({"standing_work", "long_standing"}),
    "no_heavy_lifting": frozenset({"heavy_lifting"}),
    "no_night_shifts": frozenset({"night_shifts", "night_work"}),
    "no_driving": frozenset({"driving", "driving_licence"}),
}

Occupation = Literal["exact", "group", "title"]


@dataclass(frozen=True)
class Fit:
    """How one candidate fits one opening, criterion by criterion."""

    occupation: Occupation
    similarity: float  # best title similarity of a job goal, 0..1
    goal_title: str  # the job goal that fits best
    available_on: date | None
    starts_on: date
    same_municipality: bool

    @property
    def days_late(self) -> int | None:
        if self.available_on is None:
            return None
        return max(0, (self.available_on - self.starts_on).days)


def blocking_restrictions(requirements: tuple[str, ...], hours_per_week: float) -> list[str]:
    """Every restriction that rules a citizen out of an opening with these requirements."""
    wanted = set(requirements)
    blocked = {f"no_{tag}" for tag in wanted}
    blocked |= {restriction for restriction, rules in CONFLICTS.items() if rules & wanted}
    if hours_per_week > PART_TIME_HOURS:
        blocked.add("part_time_only")
    return sorted(blocked)


def conflicts(
    restrictions: tuple[str, ...], requirements: tuple[str, ...], hours_per_week: float
) -> list[str]:
    """The candidate's restrictions that rule this opening out (empty: allowed)."""
    blocked = set(blocking_restrictions(requirements, hours_per_week))
    return sorted(set(restrictions) & blocked)


def occupation_of(disco: str | None, similarity: float, opening_disco: str) -> Occupation | None:
    """How one job goal fits the opening's occupation (None: not at all)."""
    if disco is not None and disco == opening_disco:
        return "exact"
    if disco is not None and disco[:3] == opening_disco[:3]:
        return "group"
    if similarity >= TITLE_SIMILARITY:
        return "title"
    return None


def score(fit: Fit) -> float:
    """0-100; every criterion adds points, so better on each criterion is a higher score."""
    occupation = {"exact": EXACT_POINTS, "group": GROUP_POINTS}.get(
        fit.occupation, TITLE_POINTS * fit.similarity
    )
    late = fit.days_late
    if late is None:
        availability = UNKNOWN_POINTS
    elif late == 0:
        availability = ON_TIME_POINTS
    else:
        availability = max(0.0, LATE_POINTS - late)
    municipality = MUNICIPALITY_POINTS if fit.same_municipality else 0.0
    return round(occupation + availability + municipality, 2)


def reasons(
    fit: Fit, disco_code: str, restrictions: tuple[str, ...], lang: str = DEFAULT
) -> list[str]:
    """Why the candidate is suggested, in words a consultant understands."""
    out = [_occupation_reason(fit, disco_code, lang)]
    late, on, starts = fit.days_late, fit.available_on, fit.starts_on
    if late is None:
        out.append(say(lang, "no fit-for-work date known yet: check availability"))
    elif late == 0:
        out.append(say(lang, "available from {on}, by the start on {starts}", on=on, starts=starts))
    else:
        words = N_("available from {on}, {late} day(s) after the start")
        out.append(say(lang, words, on=on, late=late))
    out.append(
        say(lang, "lives in the opening's municipality")
        if fit.same_municipality
        else say(lang, "lives in another municipality")
    )
    if restrictions:
        words = N_("restrictions ({restrictions}) allow the work asked for")
        out.append(say(lang, words, restrictions=", ".join(restrictions)))
    return out


def _occupation_reason(fit: Fit, disco_code: str, lang: str) -> str:
    goal = fit.goal_title
    if fit.occupation == "exact":
        words = N_("job goal '{goal}' is the same occupation (DISCO {disco})")
        return say(lang, words, goal=goal, disco=disco_code)
    if fit.occupation == "group":
        words = N_("job goal '{goal}' is in the same occupational group ({group})")
        return say(lang, words, goal=goal, group=disco_code[:3])
    words = N_("job goal '{goal}' has a similar title ({alike:.0%} alike)")
    return say(lang, words, goal=goal, alike=fit.similarity)
