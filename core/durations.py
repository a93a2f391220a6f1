"""Policy durations: calendar days, Danish working days, or seconds for demos and tests.

Written as text in the operators' policy file, e.g. "10 working days", "3 days",
"2 weeks", "30 seconds". Day-based durations keep the wall-clock time in the policy's time
zone, so a deadline set at 09:30 on a Monday falls at 09:30 on the due day.
"""

import re
from datetime import date, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, model_validator

from core.calendar_dk import COMPUTED, Holidays

Unit = Literal["seconds", "minutes", "hours", "days", "weeks", "working_days"]

_UTC = ZoneInfo("UTC")
_TEXT = re.compile(r"^\s*(\d+)\s+(second|minute|hour|day|week|working day)s?\s*$", re.IGNORECASE)


class Duration(BaseModel):
    """A policy duration; built from text like "10 working days" or from a mapping."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: int
    unit: Unit

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        match = _TEXT.match(value)
        if match is None:
            raise ValueError(
                f"{value!r} is not a duration: write e.g. '10 working days', '3 days', "
                "'2 weeks' or '30 seconds'"
            )
        unit = match.group(2).lower().replace(" ", "_") + "s"
        return {"amount": int(match.group(1)), "unit": unit}

    def __str__(self) -> str:
        unit = self.unit.replace("_", " ")
        return f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"

    def after(self, start: datetime, tz: ZoneInfo, off: Holidays = COMPUTED) -> datetime:
        """The moment this duration after `start` ends (aware, in UTC); working days skip
        weekends and the holidays `off`."""
        return self._shift(start, tz, 1, off)

    def before(self, end: datetime, tz: ZoneInfo, off: Holidays = COMPUTED) -> datetime:
        """The moment this duration before `end` begins (aware, in UTC)."""
        return self._shift(end, tz, -1, off)

    def _shift(self, start: datetime, tz: ZoneInfo, sign: int, off: Holidays) -> datetime:
        amount = sign * self.amount
        if self.unit in ("seconds", "minutes", "hours"):
            # In UTC: on a zone-aware start Python would add wall-clock time across DST.
            return start.astimezone(_UTC) + timedelta(**{self.unit: amount})
        local = start.astimezone(tz)
        if self.unit == "working_days":
            day = add_working_days(local.date(), amount, off)
        else:
            day = local.date() + timedelta(days=amount * (7 if self.unit == "weeks" else 1))
        return datetime.combine(day, local.timetz().replace(tzinfo=None), tz).astimezone(_UTC)


def is_working_day(day: date, off: Holidays = COMPUTED) -> bool:
    return day.weekday() < 5 and day not in off


@cache  # pure, and the same few hundred days come up all year
def add_working_days(start: date, count: int, off: Holidays = COMPUTED) -> date:
    """The `count`-th Danish working day after `start` (before it when `count` < 0);
    weekends and the public holidays `off` are skipped."""
    step = timedelta(days=1 if count >= 0 else -1)
    day = start
    remaining = abs(count)
    while remaining > 0:
        day += step
        if is_working_day(day, off):
            remaining -= 1
    return day


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tz).astimezone(_UTC)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    """A date deadline ("due on 10 December") passes when that day is over."""
    return start_of_day(day + timedelta(days=1), tz)
