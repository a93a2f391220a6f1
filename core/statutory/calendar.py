"""How the law's weeks are counted and where a due date lands on a closed day.

Weeks run from the first day of absence, which is day 1 of week 1: week N ends on
`sick_listed_on + 7N - 1` (absent from Tuesday 10 February 2026, week 8 ends on Monday
6 April). "Within/after X weeks" of a dated act (a talk, a request) ends X weeks after
that date, the act's own day not counted. The law sets a latest date; the job centre
cannot hold a talk when it is closed, so a latest date on a weekend or a public holiday
is due on the last working day before it (the law has no rule moving an authority's
duty forward). The holidays are data the caller passes (a frozenset of dates), so these
rules never depend on a calendar library.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.durations import Duration, end_of_day

_UTC = ZoneInfo("UTC")


@dataclass(frozen=True)
class Calendar:
    """The policy's time zone and the days the job centre is closed beside weekends."""

    tz: ZoneInfo
    holidays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def working_day_on_or_before(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def add_working_days(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (`count` >= 0)."""
        day = start
        while count > 0:
            day += timedelta(days=1)
            count -= self.is_working_day(day)
        return day

    def end_of(self, day: date) -> datetime:
        """A date deadline passes when that day is over, in the policy's zone."""
        return end_of_day(day, self.tz)

    def after(self, duration: Duration, start: datetime) -> datetime:
        """`duration` after `start`, working days counted on this calendar's holidays."""
        if duration.unit != "working_days":
            return duration.after(start, self.tz)
        local = start.astimezone(self.tz)
        day = self.add_working_days(local.date(), duration.amount)
        wall = local.timetz().replace(tzinfo=None)
        return datetime.combine(day, wall, self.tz).astimezone(_UTC)


def end_of_week(first_day: date, week: int) -> date:
    """The last day of week `week` counted from `first_day` (day 1 of week 1)."""
    return first_day + timedelta(days=7 * week - 1)


def weeks_after(day: date, weeks: int) -> date:
    return day + timedelta(weeks=weeks)


def week_of(first_day: date, day: date) -> int:
    """The week `day` falls in, counted from `first_day` (week 1 holds the first 7 days)."""
    return (day - first_day).days // 7 + 1
