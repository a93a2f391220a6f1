"""Danish public holidays: the calendar working-day deadlines skip.

Pure and computed (from Easter), so a deadline never moves because a library changed its
answer. A policy snapshot carries the holidays the loader found for the years around its
opening (`Policy.holidays`); days outside those years, and snapshots recorded before
policies carried holidays, use the calendar computed here (the same days `holidays`
gave for DK when it was last consulted at import: tests/unit/test_holiday_snapshot.py).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

GREAT_PRAYER_DAY_LAST = 2023  # abolished from 2024
# The calendar cases had before snapshots carried holidays knew no year after 2100 (no
# holidays at all in 2101): kept, so their deadlines replay unchanged.
LAST_KNOWN_YEAR = 2100


def easter(year: int) -> date:
    """Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


@cache
def danish_holidays(year: int) -> frozenset[date]:
    if year > LAST_KNOWN_YEAR:
        return frozenset()
    sunday = easter(year)
    after_easter = [-3, -2, 0, 1, 39, 49, 50] + ([26] if year <= GREAT_PRAYER_DAY_LAST else [])
    fixed = [date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)]
    return frozenset(fixed + [sunday + timedelta(days=n) for n in after_easter])


@dataclass(frozen=True)
class Holidays:
    """The holidays a snapshot carries for `years`; other years from `danish_holidays`."""

    days: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        if day.year in self.years:
            return day in self.days
        return day in danish_holidays(day.year)


COMPUTED = Holidays()


@cache
def carried(days: tuple[date, ...], years: tuple[int, ...]) -> Holidays:
    return Holidays(frozenset(days), frozenset(years)) if years else COMPUTED


def in_years(days: Iterable[date], years: Iterable[int]) -> tuple[date, ...]:
    wanted = set(years)
    return tuple(sorted(d for d in days if d.year in wanted))
