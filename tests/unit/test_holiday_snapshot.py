"""The holiday calendar is data of the policy snapshot: a running case's deadlines do not
move when the installed `holidays` answers differently, and snapshots recorded before
they carried holidays compute the same deadlines as before."""

import asyncio
from datetime import date, datetime

import holidays
import pytest

from activities.policies import PolicySource
from core.calendar_dk import danish_holidays
from core.policy import Policy
from core.stages import Stage
from infrastructure import policy_file
from testkit.samples import MUNICIPALITY, POLICIES, Case, event, local

OPENED_ON = date(2026, 11, 1)
EXTRA = date(2026, 11, 10)  # a Tuesday before the CV-readiness deadline (17 November)


def _snapshot() -> Policy:
    book = policy_file.load_policy_book(POLICIES / "default.toml")
    policy = policy_file.with_holidays(book.for_municipality(MUNICIPALITY), OPENED_ON)
    # Through the history, as the workflow receives it.
    return Policy.model_validate_json(policy.model_dump_json())


def _cv_deadline(policy: Policy) -> datetime | None:
    case = Case(policy)
    case.apply(event("case_opened", local("2026-11-02 08:15")))
    case.apply(event("job_goal_talk_held", local("2026-11-03 10:00")))
    assert case.state.stage is Stage.CV_READINESS
    return case.state.deadline


def test_computed_calendar_is_the_librarys_for_every_year_a_case_can_reach() -> None:
    for year in range(2000, 2102):
        library = frozenset(holidays.country_holidays("DK", years=year).keys())
        assert danish_holidays(year) == library, year


def test_a_running_case_keeps_its_deadlines_when_the_holidays_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kept = _snapshot()
    assert EXTRA not in kept.holidays and 2026 in kept.holiday_years
    before = _cv_deadline(kept)
    source = policy_file.holiday_source
    monkeypatch.setattr(policy_file, "holiday_source", lambda years: [*source(years), EXTRA])
    fresh = _snapshot()
    assert EXTRA in fresh.holidays
    # The case opened before the change computes with its own snapshot: nothing moves.
    assert _cv_deadline(kept) == before
    # A case opened after it skips the new holiday: its deadline is a working day later.
    later = _cv_deadline(fresh)
    assert before is not None and later is not None and later > before


def test_an_old_snapshot_without_holidays_keeps_the_deadlines_it_had() -> None:
    carried = _snapshot()
    recorded = carried.model_dump(mode="json")
    del recorded["holidays"], recorded["holiday_years"]
    old = Policy.model_validate(recorded)
    assert old.holiday_years == ()
    assert _cv_deadline(old) == _cv_deadline(carried)


def test_the_policy_activity_gives_a_snapshot_with_this_years_holidays() -> None:
    source = PolicySource(POLICIES / "default.toml")
    policy = asyncio.run(source.load_policy(MUNICIPALITY))
    this_year = date.today().year
    assert this_year in policy.holiday_years
    assert {d for d in policy.holidays if d.year == this_year} == danish_holidays(this_year)
