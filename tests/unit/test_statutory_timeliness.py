"""Timeliness counted by hand on three cases in two teams, as of 30 June 2026: which
deadlines fell due, which were met on time, and how late the rest were."""

from datetime import date

from core.statutory.history import DeadlineOutcome, fallen_due
from core.statutory.state import StatutoryState
from core.statutory.timeliness import TeamOutcome, TimelinessRow, percentile_cont, timeliness
from tests.unit.statutory_support import LAW, asked, case, d, fit, reassessed, talk

AS_OF = d("2026-06-30")


def one() -> StatutoryState:
    # Week 8 ends 6 April; talk 20 April (14 late); next by 18 May, held 12 May (on time);
    # next by 9 June, none by 30 June (21 late so far); reassessment by 13 July: not yet due.
    return talk(talk(case("2026-02-10"), "2026-04-20", "first"), "2026-05-12")


def two() -> StatutoryState:
    # Asked 9 March: by 23 March; the early talk 20 March meets it and the first talk (week 8
    # ends 26 April). Next by 17 April, held 24 April (7 late); next by 22 May, but fit for
    # work on 15 May: that one never fell due.
    state = talk(asked(case("2026-03-02"), "2026-03-09"), "2026-03-20", "early")
    return fit(talk(state, "2026-04-24"), "2026-05-15")


def three() -> StatutoryState:
    # Week 8 ends 1 March, talk 20 February (on time); then by 20 March (held 27th, 7 late),
    # 24 April (held that day), 22 May (held 29th, 7 late), 26 June (none: 4 late); the
    # reassessment by 7 June (week 22), held 15 June (8 late).
    state = talk(case("2026-01-05"), "2026-02-20", "first")
    for held in ("2026-03-27", "2026-04-24", "2026-05-29"):
        state = talk(state, held)
    return reassessed(state, "2026-06-15")


def outcomes(state: StatutoryState) -> list[tuple[str, str, str | None, int]]:
    return [
        (o.rule, str(o.latest_on), str(o.met_on) if o.met_on else None, o.days_late)
        for o in fallen_due(state, LAW, AS_OF)
    ]


def test_what_fell_due_and_how_late() -> None:
    assert outcomes(one()) == [
        ("first_talk", "2026-04-06", "2026-04-20", 14),
        ("followup_talk", "2026-05-18", "2026-05-12", 0),
        ("followup_talk", "2026-06-09", None, 21),
    ]
    assert outcomes(two()) == [
        ("early_talk", "2026-03-23", "2026-03-20", 0),
        ("followup_talk", "2026-04-17", "2026-04-24", 7),
        ("first_talk", "2026-04-26", "2026-03-20", 0),
    ]
    assert outcomes(three()) == [
        ("first_talk", "2026-03-01", "2026-02-20", 0),
        ("followup_talk", "2026-03-20", "2026-03-27", 7),
        ("followup_talk", "2026-04-24", "2026-04-24", 0),
        ("followup_talk", "2026-05-22", "2026-05-29", 7),
        ("reassessment", "2026-06-07", "2026-06-15", 8),
        ("followup_talk", "2026-06-26", None, 4),
    ]


def row(team: str, month: str, kind: str, *counts: float | None) -> TimelinessRow:
    due, on_time, late, median, p90 = counts
    return TimelinessRow(
        municipality="Norddjurs",
        team=team,
        month=d(month),
        kind=kind,
        due=int(due or 0),
        on_time=int(on_time or 0),
        late=int(late or 0),
        median_days_late=median,
        p90_days_late=p90,
    )


def test_per_municipality_team_and_month_counted_by_hand() -> None:
    teams = [("team-a", one()), ("team-a", two()), ("team-b", three())]
    rows = timeliness(
        TeamOutcome(municipality="Norddjurs", team=team, outcome=o)
        for team, state in teams
        for o in fallen_due(state, LAW, AS_OF)
    )
    assert rows == [
        row("team-a", "2026-03-01", "talk", 1, 1, 0, None, None),
        # 6 April 14 late, 17 April 7 late, 26 April on time: median 10.5, p90 7 + 0.9 * 7.
        row("team-a", "2026-04-01", "talk", 3, 1, 2, 10.5, 13.3),
        row("team-a", "2026-05-01", "talk", 1, 1, 0, None, None),
        row("team-a", "2026-06-01", "talk", 1, 0, 1, 21, 21),
        row("team-b", "2026-03-01", "talk", 2, 1, 1, 7, 7),
        row("team-b", "2026-04-01", "talk", 1, 1, 0, None, None),
        row("team-b", "2026-05-01", "talk", 1, 0, 1, 7, 7),
        row("team-b", "2026-06-01", "reassessment", 1, 0, 1, 8, 8),
        row("team-b", "2026-06-01", "talk", 1, 0, 1, 4, 4),
    ]


def test_percentiles_interpolate_as_postgresql_percentile_cont() -> None:
    assert percentile_cont([4, 1, 3, 2], 0.9) == 3.7
    assert percentile_cont([5], 0.5) == 5
    assert percentile_cont([], 0.5) is None


def test_an_outcome_is_on_time_only_when_met_by_its_latest_date() -> None:
    met = DeadlineOutcome(rule="first_talk", latest_on=date(2026, 4, 6), met_on=None, days_late=3)
    assert not met.on_time
    assert met.model_copy(update={"met_on": date(2026, 4, 6)}).on_time
