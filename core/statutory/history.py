"""Every statutory deadline a case has had fall due, and when (if ever) it was met: the
timeliness ("rettidighed") of its follow-up, measured against the law's own dates.

Only facts dated by `as_of` (and by the end of the benefit) count. A deadline fell due
when it was met, or when its latest date passed while the benefit still ran. Lateness is
counted in days from the latest date to the day it was met, or, while unmet, to `as_of`
(or the end of the benefit). The same counting as migration 0006's `report_statutory_due`
view, which the report reads.
"""

from datetime import date

from pydantic import BaseModel, ConfigDict

from core.statutory.calendar import end_of_week, weeks_after
from core.statutory.deadlines import Rule
from core.statutory.state import StatutoryState
from core.statutory_rules import StatutoryRules


class DeadlineOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    rule: Rule
    latest_on: date
    met_on: date | None
    days_late: int  # 0 when met on or before its latest date

    @property
    def on_time(self) -> bool:
        return self.met_on is not None and self.met_on <= self.latest_on


def fallen_due(
    state: StatutoryState, rules: StatutoryRules, as_of: date
) -> tuple[DeadlineOutcome, ...]:
    """The case's statutory deadlines that fell due by `as_of`, by latest date."""
    limit = min(as_of, state.ended.on) if state.ended else as_of
    # Only what was known by `limit`; two talks on one day meet one deadline.
    talks = sorted({t.held_on for t in state.talks if t.held_on <= limit})
    first = state.sick_listed_on
    found: list[tuple[Rule, date, date | None]] = [
        ("first_talk", end_of_week(first, rules.first_talk_weeks), talks[0] if talks else None)
    ]
    for n, held in enumerate(talks):
        met = talks[n + 1] if n + 1 < len(talks) else None
        found.append(("followup_talk", weeks_after(held, rules.followup_every_weeks), met))
    reassessed = min((r.held_on for r in state.reassessments if r.held_on <= limit), default=None)
    found.append(("reassessment", end_of_week(first, rules.reassessment_weeks), reassessed))
    for asked in sorted({r.requested_on for r in state.early_requests if r.requested_on <= limit}):
        met = next((t for t in talks if t >= asked), None)
        found.append(("early_talk", weeks_after(asked, rules.early_talk_weeks), met))
    out = [
        DeadlineOutcome(
            rule=rule,
            latest_on=latest,
            met_on=met,
            days_late=max(0, ((met or limit) - latest).days),
        )
        for rule, latest, met in found
        if met is not None or latest < limit
    ]
    return tuple(sorted(out, key=lambda o: (o.latest_on, o.rule)))
