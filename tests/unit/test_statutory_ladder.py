"""The ladder on statutory deadlines, timed by hand over Easter 2026: level 1 when the due
day is over, levels 2 and 3 the shipped policy's working days later, each once."""

from core.statutory.deadlines import next_deadline
from core.statutory.ladder import escalated, escalations_due, next_wakeup, recipients
from core.statutory.state import StatutoryState
from core.statutory.words import escalation_text, next_in_words
from testkit.samples import CASE, CPH
from tests.unit.statutory_support import (
    CALENDAR,
    LADDER,
    LAW,
    ROLES,
    at,
    case,
    fit,
    talk,
)

SICK = "2026-02-10"  # the first talk is due Wednesday 1 April (week 8 ends Easter Monday)


def due(state: StatutoryState, now: str) -> list[tuple[str, int, str]]:
    found = escalations_due(state, LAW, LADDER, CALENDAR, at(now))
    return [(e.key, e.level, e.due_at.astimezone(CPH).isoformat()) for e in found]


def test_levels_fall_due_after_the_easter_days() -> None:
    # Level 1 when 1 April is over. Level 2 two working days on: 3 April Good Friday, 4-5
    # the weekend, 6 Easter Monday, so 7 and 8 April. Level 3 three working days on: 9, 10
    # and (11-12 the weekend) 13 April.
    state = case(SICK)
    key = f"{CASE}/statutory/first_talk/2026-04-06"
    assert due(state, "2026-04-01 23:59") == []
    assert due(state, "2026-04-13 00:00") == [
        (f"{key}/1", 1, "2026-04-02T00:00:00+02:00"),
        (f"{key}/2", 2, "2026-04-08T00:00:00+02:00"),
        (f"{key}/3", 3, "2026-04-13T00:00:00+02:00"),
    ]
    assert next_wakeup(state, LAW, LADDER, CALENDAR) == at("2026-04-02 00:00")


def test_each_level_is_asked_for_once() -> None:
    state = case(SICK)
    first = escalations_due(state, LAW, LADDER, CALENDAR, at("2026-04-02 09:00"))
    assert [e.level for e in first] == [1]
    state = escalated(state, first)
    assert escalations_due(state, LAW, LADDER, CALENDAR, at("2026-04-07 09:00")) == ()
    assert next_wakeup(state, LAW, LADDER, CALENDAR) == at("2026-04-08 00:00")
    second = escalations_due(state, LAW, LADDER, CALENDAR, at("2026-04-08 00:00"))
    assert [(e.level, e.late) for e in second] == [(2, False)]
    state = escalated(escalated(state, second), second)
    third = escalations_due(state, LAW, LADDER, CALENDAR, at("2026-06-01 00:00"))
    assert [(e.level, e.late) for e in third] == [(3, True)]
    state = escalated(state, third)
    # No reminders after level 3 on a statutory deadline: the reassessment is next.
    assert next_wakeup(state, LAW, LADDER, CALENDAR) == at("2026-07-14 00:00")


def test_a_talk_held_stops_the_ladder_and_starts_the_next_deadline() -> None:
    state = escalated(
        case(SICK), escalations_due(case(SICK), LAW, LADDER, CALENDAR, at("2026-04-02 08:00"))
    )
    state = talk(state, "2026-04-07", "first")
    # Next talk by 5 May (Tuesday); nothing owed before its due day is over.
    assert due(state, "2026-05-05 23:59") == []
    assert [k for k, _, _ in due(state, "2026-05-06 00:00")] == [
        f"{CASE}/statutory/followup_talk/2026-05-05/1"
    ]


def test_no_escalation_once_fit_for_work_even_for_a_deadline_already_on_the_ladder() -> None:
    state = case(SICK)
    state = escalated(state, escalations_due(state, LAW, LADDER, CALENDAR, at("2026-04-09 00:00")))
    assert len(state.escalated) == 2
    ended = fit(state, "2026-04-10")
    assert escalations_due(ended, LAW, LADDER, CALENDAR, at("2027-01-01 00:00")) == ()
    assert next_wakeup(ended, LAW, LADDER, CALENDAR) is None


def test_the_sick_leave_department_is_escalated_whatever_the_stage() -> None:
    assert recipients(1, "sb-02", ROLES) == ("sb-02",)
    assert recipients(2, "sb-02", ROLES) == ("teamleder-sygedagpenge",)
    assert recipients(3, None, ROLES) == ("afdelingsleder-sygedagpenge",)
    assert recipients(1, None, ROLES) == ()


def test_texts_say_the_rule_and_dates() -> None:
    state = case(SICK)
    line = next_in_words(state, next_deadline(state, LAW, CALENDAR))
    assert line == (
        "Lovpligtigt: den første opfølgningssamtale senest 2026-04-01 "
        "(lovens seneste dato 2026-04-06 er en lukkedag)."
    )
    ended = fit(state, "2026-03-01")
    assert next_in_words(ended, None) == ("Lovpligtig opfølgning ophørte 2026-03-01 (raskmeldt).")
    (late,) = escalations_due(state, LAW, LADDER, CALENDAR, at("2026-04-03 12:00"))
    text = escalation_text(late, "Norddjurs")
    assert "holdt senest 2026-04-01" in text and "Niveau 1 (sagsbehandler): handl" in text
    assert "Sendt for sent: skulle være sendt 2026-04-02 00:00 CEST." in text
