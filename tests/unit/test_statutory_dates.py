"""The law's dates worked out by hand on the 2026 calendar: weeks counted from the first
day of absence, latest dates on closed days moved back to the last working day before."""

import holidays

from core.statutory.calendar import Calendar, end_of_week, week_of
from core.statutory.deadlines import StatutoryDeadline, next_deadline, open_deadlines
from core.statutory.state import StatutoryState
from core.statutory_rules import StatutoryRules
from testkit.samples import CPH
from tests.unit.statutory_support import (
    CALENDAR,
    HOLIDAYS_2026,
    LAW,
    asked,
    at,
    case,
    closed,
    d,
    fit,
    paused,
    reassessed,
    resumed,
    talk,
)

# Absent from Tuesday 10 February 2026: week 1 is 10-16 February, week 8 ends on Monday
# 6 April (Easter Monday), week 22 on Monday 13 July.
SICK = "2026-02-10"


def rows(state: StatutoryState, calendar: Calendar = CALENDAR) -> list[tuple[str, str, str]]:
    return [(x.rule, str(x.latest_on), str(x.due_on)) for x in open_deadlines(state, LAW, calendar)]


def only(state: StatutoryState, rule: str) -> StatutoryDeadline:
    (found,) = [x for x in open_deadlines(state, LAW, CALENDAR) if x.rule == rule]
    return found


def test_the_holidays_written_out_are_the_danish_public_holidays_of_2026() -> None:
    assert frozenset(holidays.country_holidays("DK", years=2026)) == HOLIDAYS_2026


def test_weeks_run_from_the_first_day_of_absence_which_is_day_one() -> None:
    assert end_of_week(d(SICK), 1) == d("2026-02-16")
    assert end_of_week(d(SICK), 8) == d("2026-04-06")
    assert week_of(d(SICK), d("2026-02-16")) == 1
    assert week_of(d(SICK), d("2026-02-17")) == 2
    assert week_of(d(SICK), d("2026-04-06")) == 8


def test_first_talk_due_before_easter_when_week_8_ends_on_easter_monday() -> None:
    # 6 April Easter Monday, 5 Easter Sunday, 4 Saturday, 3 Good Friday, 2 Maundy
    # Thursday: the last working day is Wednesday 1 April; the ladder starts when it ends.
    first = only(case(SICK), "first_talk")
    assert (first.latest_on, first.due_on) == (d("2026-04-06"), d("2026-04-01"))
    assert first.due_at == at("2026-04-02 00:00")
    assert rows(case(SICK)) == [
        ("first_talk", "2026-04-06", "2026-04-01"),
        ("reassessment", "2026-07-13", "2026-07-13"),
    ]


def test_without_holidays_as_data_the_easter_days_count_as_working_days() -> None:
    bare = Calendar(CPH, frozenset())
    assert rows(case(SICK), bare)[0] == ("first_talk", "2026-04-06", "2026-04-06")


def test_next_talk_four_weeks_after_the_last_one_over_ascension_day() -> None:
    # Held Thursday 16 April: 4 weeks on is Ascension Day, 14 May: due Wednesday 13 May.
    state = talk(case(SICK), "2026-04-16", "first")
    nxt = only(state, "followup_talk")
    assert (nxt.counted_from, nxt.latest_on, nxt.due_on) == (
        d("2026-04-16"),
        d("2026-05-14"),
        d("2026-05-13"),
    )


def test_after_a_late_first_talk_the_next_is_due_four_weeks_after_the_late_one() -> None:
    # Due by 6 April, held 20 April: the next by 18 May, not 4 May (after the missed date).
    state = talk(case(SICK), "2026-04-20", "first")
    assert only(state, "followup_talk").latest_on == d("2026-05-18")
    state = talk(state, "2026-05-12")
    assert only(state, "followup_talk").latest_on == d("2026-06-09")


def test_talks_reported_out_of_order_count_from_the_last_one_held() -> None:
    state = talk(talk(case(SICK), "2026-05-12"), "2026-03-30", "first")
    assert only(state, "followup_talk").latest_on == d("2026-06-09")


def test_early_talk_within_two_weeks_of_the_request_over_whit_monday() -> None:
    # Asked Monday 11 May: 25 May is Whit Monday, 24 Whit Sunday, 23 Saturday: Friday 22.
    state = asked(talk(case(SICK), "2026-04-28", "first"), "2026-05-11", "employer")
    early = only(state, "early_talk")
    assert (early.latest_on, early.due_on) == (d("2026-05-25"), d("2026-05-22"))
    assert next_deadline(state, LAW, CALENDAR) == early


def test_an_early_talk_held_answers_the_request_and_is_the_first_talk() -> None:
    state = asked(case(SICK), "2026-03-02")
    assert next_deadline(state, LAW, CALENDAR) == only(state, "early_talk")
    assert only(state, "early_talk").latest_on == d("2026-03-16")
    state = talk(state, "2026-03-10", "early")
    assert rows(state) == [
        ("followup_talk", "2026-04-07", "2026-04-07"),
        ("reassessment", "2026-07-13", "2026-07-13"),
    ]


def test_a_talk_before_the_request_does_not_answer_it() -> None:
    state = asked(talk(case(SICK), "2026-03-10", "first"), "2026-03-11")
    assert only(state, "early_talk").latest_on == d("2026-03-25")


def test_reassessment_by_week_22_across_christmas() -> None:
    # Absent from Sunday 26 July: week 22 ends Saturday 26 December (Second Day of
    # Christmas), 25th is Christmas Day: due Thursday 24 December. Week 8 ends Saturday 19
    # September: the first talk is due Friday 18.
    assert rows(case("2026-07-26")) == [
        ("first_talk", "2026-09-19", "2026-09-18"),
        ("reassessment", "2026-12-26", "2026-12-24"),
    ]
    # A municipality that keeps Christmas Eve closed passes it as a holiday.
    closed_eve = Calendar(CPH, HOLIDAYS_2026 | {d("2026-12-24")})
    assert rows(case("2026-07-26"), closed_eve)[1] == ("reassessment", "2026-12-26", "2026-12-23")


def test_a_reassessment_held_ends_that_rule_and_leaves_the_talks_running() -> None:
    state = reassessed(talk(case(SICK), "2026-03-20", "first"), "2026-06-30")
    assert [x.rule for x in open_deadlines(state, LAW, CALENDAR)] == ["followup_talk"]


def test_a_pause_does_not_pause_the_law() -> None:
    running = talk(case(SICK), "2026-03-20", "first")
    state = resumed(paused(running, "2026-03-23", "2026-05-29"), "2026-05-01")
    assert state.pauses[0].resumed_on == d("2026-05-01")
    assert (
        rows(state)
        == rows(running)
        == [
            ("followup_talk", "2026-04-17", "2026-04-17"),
            ("reassessment", "2026-07-13", "2026-07-13"),
        ]
    )
    assert rows(paused(case(SICK), "2026-02-20", "2026-05-01")) == rows(case(SICK))


def test_nothing_is_due_once_fit_for_work_is_declared_even_what_was_overdue() -> None:
    state = asked(case(SICK), "2026-03-02")
    assert open_deadlines(state, LAW, CALENDAR)
    ended = fit(state, "2026-04-10")
    assert open_deadlines(ended, LAW, CALENDAR) == ()
    assert next_deadline(ended, LAW, CALENDAR) is None
    # Facts after the end change nothing: the law's follow-up is over for this case.
    assert talk(ended, "2026-04-20") == ended


def test_nothing_is_due_once_the_case_is_closed() -> None:
    state = closed(case(SICK), "2026-03-01")
    assert state.ended is not None and state.ended.why == "case_closed"
    assert open_deadlines(state, LAW, CALENDAR) == ()


def test_a_stricter_municipality_gets_earlier_dates() -> None:
    strict = StatutoryRules(first_talk_weeks=6, early_talk_weeks=1)
    # Week 6 ends Monday 23 March; asked Monday 2 March, the early talk by Monday 9 March.
    state = asked(case(SICK), "2026-03-02")
    found = [(x.rule, str(x.latest_on)) for x in open_deadlines(state, strict, CALENDAR)]
    assert found == [
        ("early_talk", "2026-03-09"),
        ("first_talk", "2026-03-23"),
        ("reassessment", "2026-07-13"),
    ]
