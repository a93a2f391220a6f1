"""Policy durations: Danish working days, wall-clock time across DST, and the policy text."""

import tomllib
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from core.durations import (
    Duration,
    add_working_days,
    end_of_day,
    is_working_day,
    start_of_day,
)
from core.policy import PolicyBook
from core.stages import Stage
from testkit.samples import CPH, POLICIES, UTC, local


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- Danish working days -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2026, 11, 28), "Saturday"),
        (date(2026, 11, 29), "Sunday"),
        (date(2026, 12, 25), "juledag"),
        (date(2027, 1, 1), "nytårsdag"),
        (date(2027, 3, 25), "skærtorsdag"),
        (date(2027, 3, 26), "langfredag"),
        (date(2027, 3, 29), "2. påskedag"),
        (date(2027, 5, 6), "Kristi himmelfartsdag"),
        (date(2027, 5, 17), "2. pinsedag"),
        (date(2027, 12, 27), "a Monday, but not 2. juledag (that was Sunday)"),
        (date(2023, 5, 5), "store bededag, until 2023"),
    ],
)
def test_days_off(day: date, why: str) -> None:
    expected = day == date(2027, 12, 27)
    assert is_working_day(day) is expected, why


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 24),  # juleaften is not a public holiday
        date(2026, 12, 31),
        date(2027, 3, 24),
        date(2027, 3, 30),
        date(2027, 6, 4),
        date(2024, 4, 26),  # store bededag, abolished from 2024
        date(2026, 11, 23),
    ],
)
def test_working_days(day: date) -> None:
    assert is_working_day(day)


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
        (date(2026, 11, 23), 1, date(2026, 11, 24)),
        (date(2026, 11, 23), 10, date(2026, 12, 7)),
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # Saturday -> Monday
        (date(2026, 12, 23), 1, date(2026, 12, 24)),
        (date(2026, 12, 23), 2, date(2026, 12, 28)),  # over juledag and the weekend
        (date(2026, 12, 31), 1, date(2027, 1, 4)),  # over nytårsdag and the weekend
        (date(2027, 3, 24), 1, date(2027, 3, 30)),  # over all of Easter 2027
        (date(2027, 3, 24), 3, date(2027, 4, 1)),
        (date(2027, 5, 5), 1, date(2027, 5, 7)),  # over Kristi himmelfartsdag
        (date(2027, 5, 14), 1, date(2027, 5, 18)),  # over 2. pinsedag
        (date(2027, 3, 30), -1, date(2027, 3, 24)),
        (date(2026, 11, 30), -1, date(2026, 11, 27)),
    ],
)
def test_add_working_days(start: date, count: int, expected: date) -> None:
    assert add_working_days(start, count) == expected


@settings(max_examples=300, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)).filter(is_working_day),
    count=st.integers(min_value=0, max_value=60),
)
def test_before_is_the_inverse_of_after_on_working_days(start: date, count: int) -> None:
    later = add_working_days(start, count)
    assert is_working_day(later)
    assert add_working_days(later, -count) == start
    # The same through `Duration`, on a moment of that day.
    moment = datetime(start.year, start.month, start.day, 9, 30, tzinfo=CPH)
    duration = Duration(amount=count, unit="working_days")
    assert duration.before(duration.after(moment, CPH), CPH) == moment


def test_before_from_a_day_off_is_not_an_inverse() -> None:
    # One working day after Saturday is Monday; one before Monday is Friday.
    assert add_working_days(date(2026, 11, 28), 1) == date(2026, 11, 30)
    assert add_working_days(date(2026, 11, 30), -1) == date(2026, 11, 27)


@settings(max_examples=100, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    count=st.integers(min_value=1, max_value=40),
)
def test_working_days_skip_exactly_the_days_off(start: date, count: int) -> None:
    later = add_working_days(start, count)
    between = [start + timedelta(days=n) for n in range(1, (later - start).days + 1)]
    assert sum(is_working_day(d) for d in between) == count
    assert is_working_day(later)


# --- moments -----------------------------------------------------------------------------


def test_working_days_keep_the_wall_clock_time_and_answer_in_utc() -> None:
    due = Duration.model_validate("10 working days").after(local("2026-11-23 09:30"), CPH)
    assert due == utc("2026-12-07 08:30")
    assert due.tzinfo == UTC
    assert due.astimezone(CPH).strftime("%Y-%m-%d %H:%M") == "2026-12-07 09:30"


def test_wall_clock_time_is_kept_across_the_end_of_summer_time() -> None:
    # Summer time ends on Sunday 25 October 2026: 09:30 is 07:30 UTC before, 08:30 after.
    start = local("2026-10-23 09:30")
    assert start.astimezone(UTC) == utc("2026-10-23 07:30")
    assert Duration.model_validate("1 working day").after(start, CPH) == utc("2026-10-26 08:30")
    assert Duration.model_validate("3 days").after(start, CPH) == utc("2026-10-26 08:30")
    assert Duration.model_validate("1 week").after(start, CPH) == utc("2026-10-30 08:30")
    # Seconds and hours are absolute: 72 hours later is an hour earlier on the wall clock.
    assert Duration.model_validate("72 hours").after(start, CPH) == utc("2026-10-26 07:30")


def test_wall_clock_time_is_kept_across_the_start_of_summer_time() -> None:
    # Summer time starts on Sunday 29 March 2026.
    start = local("2026-03-28 12:00")
    assert Duration.model_validate("1 day").after(start, CPH) == utc("2026-03-29 10:00")
    assert Duration.model_validate("24 hours").after(start, CPH) == utc("2026-03-29 11:00")
    back = Duration.model_validate("1 day").before(utc("2026-03-29 10:00"), CPH)
    assert back == start


def test_a_day_in_copenhagen_is_counted_in_copenhagen() -> None:
    # 23:30 UTC on Friday is already Saturday 00:30 in Copenhagen: the next working day
    # after that Saturday is Monday.
    due = Duration.model_validate("1 working day").after(utc("2026-11-27 23:30"), CPH)
    assert due.astimezone(CPH) == local("2026-11-30 00:30")


def test_seconds_minutes_and_hours_are_plain_time() -> None:
    start = utc("2026-11-23 08:00")
    assert Duration.model_validate("30 seconds").after(start, CPH) == utc("2026-11-23 08:00:30")
    assert Duration.model_validate("90 minutes").after(start, CPH) == utc("2026-11-23 09:30")
    assert Duration.model_validate("1 hours").before(start, CPH) == utc("2026-11-23 07:00")


def test_start_and_end_of_a_day() -> None:
    assert start_of_day(date(2026, 11, 23), CPH) == utc("2026-11-22 23:00")
    assert end_of_day(date(2026, 11, 23), CPH) == utc("2026-11-23 23:00")
    # The day summer time ends has 25 hours.
    day = date(2026, 10, 25)
    assert end_of_day(day, CPH) - start_of_day(day, CPH) == timedelta(hours=25)
    assert start_of_day(day, CPH) == utc("2026-10-24 22:00")


# --- text in the policy file -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit", "shown"),
    [
        ("10 working days", 10, "working_days", "10 working days"),
        ("1 working day", 1, "working_days", "1 working day"),
        ("3 days", 3, "days", "3 days"),
        ("1 day", 1, "days", "1 day"),
        ("2 weeks", 2, "weeks", "2 weeks"),
        ("30 seconds", 30, "seconds", "30 seconds"),
        ("5 minutes", 5, "minutes", "5 minutes"),
        ("1 hours", 1, "hours", "1 hour"),
        ("  12 Working Days ", 12, "working_days", "12 working days"),
    ],
)
def test_duration_text(text: str, amount: int, unit: str, shown: str) -> None:
    duration = Duration.model_validate(text)
    assert (duration.amount, duration.unit) == (amount, unit)
    assert str(duration) == shown
    assert Duration.model_validate(str(duration)) == duration


def test_duration_from_a_mapping() -> None:
    assert Duration.model_validate({"amount": 4, "unit": "weeks"}) == Duration.model_validate(
        "4 weeks"
    )


@pytest.mark.parametrize(
    "text",
    ["ten days", "10 fortnights", "", "10", "-3 days", "3.5 days", "days 3", "3 workdays"],
)
def test_text_that_is_no_duration_says_so_and_how_to_write_one(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Duration.model_validate(text)
    message = str(caught.value)
    assert f"{text!r} is not a duration" in message
    assert "write e.g. '10 working days'" in message


def test_unknown_unit_in_a_mapping_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        Duration.model_validate({"amount": 3, "unit": "months"})
    [error] = caught.value.errors()
    assert error["loc"] == ("unit",)


def _default_file() -> dict[str, Any]:
    with (POLICIES / "default.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_a_bad_duration_in_the_policy_file_names_its_key() -> None:
    raw = _default_file()
    raw["default"]["deadlines"]["JOB_GOAL_TALK"] = "ten days"
    with pytest.raises(ValidationError) as caught:
        PolicyBook.model_validate(raw).for_municipality("Norddjurs")
    [error] = caught.value.errors()
    assert error["loc"] == ("deadlines", "JOB_GOAL_TALK")
    assert "'ten days' is not a duration" in error["msg"]


def test_a_policy_missing_a_stage_deadline_names_the_stage() -> None:
    raw = _default_file()
    del raw["default"]["deadlines"]["HANDOVER"]
    with pytest.raises(ValidationError, match="deadlines: missing HANDOVER"):
        PolicyBook.model_validate(raw).for_municipality("Norddjurs")


@pytest.mark.parametrize("repeat", ["0 seconds", "0 working days"])
def test_a_ladder_that_never_moves_on_is_refused(repeat: str) -> None:
    # With no time between level-3 reminders the clock would owe endless reminders.
    raw = _default_file()
    raw["default"]["ladder"]["repeat_after"] = repeat
    with pytest.raises(ValidationError, match="repeat_after: must be longer than zero"):
        PolicyBook.model_validate(raw).for_municipality("Norddjurs")


def test_municipality_overrides_merge_over_the_default() -> None:
    book = PolicyBook.model_validate(_default_file())
    lyngby = book.for_municipality("Lyngby-Taarbæk")
    default = book.for_municipality("Norddjurs")
    assert str(lyngby.deadlines[Stage.JOB_GOAL_TALK]) == "5 working days"
    assert str(default.deadlines[Stage.JOB_GOAL_TALK]) == "10 working days"
    assert str(lyngby.handover_window) == "6 weeks"
    assert str(default.handover_window) == "4 weeks"
    assert (lyngby.name, default.name) == ("Lyngby-Taarbæk", "default")
    assert lyngby.version.startswith("Lyngby-Taarbæk@") and default.version.startswith("default@")
    assert book.for_municipality("Norddjurs").version == default.version
