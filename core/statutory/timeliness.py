"""Timeliness per municipality, team and month: how many statutory talks and
reassessments fell due, how many were met on time, and how late the rest were.

Percentiles interpolate between neighbours as PostgreSQL's `percentile_cont` does, so the
figures here and in the SQL views agree.
"""

from collections.abc import Iterable
from datetime import date
from math import floor

from pydantic import BaseModel, ConfigDict

from core.statutory.history import DeadlineOutcome

TALKS = ("first_talk", "followup_talk", "early_talk")


class TeamOutcome(BaseModel):
    """One deadline that fell due, with the municipality and team the case belongs to."""

    model_config = ConfigDict(frozen=True)

    municipality: str
    team: str
    outcome: DeadlineOutcome


class TimelinessRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    municipality: str
    team: str
    month: date  # the first of the month the deadlines' latest dates fell in
    kind: str  # "talk" or "reassessment"
    due: int
    on_time: int
    late: int
    median_days_late: float | None  # over the late ones; None when none was late
    p90_days_late: float | None


def percentile_cont(values: list[int], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    at = fraction * (len(ordered) - 1)
    low = floor(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def timeliness(outcomes: Iterable[TeamOutcome]) -> list[TimelinessRow]:
    """One row per municipality, team, month and kind, in that order."""
    groups: dict[tuple[str, str, date, str], list[DeadlineOutcome]] = {}
    for item in outcomes:
        o = item.outcome
        kind = "talk" if o.rule in TALKS else "reassessment"
        key = (item.municipality, item.team, o.latest_on.replace(day=1), kind)
        groups.setdefault(key, []).append(o)
    rows = []
    for (municipality, team, month, kind), group in sorted(groups.items()):
        late = [o.days_late for o in group if not o.on_time]
        rows.append(
            TimelinessRow(
                municipality=municipality,
                team=team,
                month=month,
                kind=kind,
                due=len(group),
                on_time=len(group) - len(late),
                late=len(late),
                median_days_late=percentile_cont(late, 0.5),
                p90_days_late=percentile_cont(late, 0.9),
            )
        )
    return rows
