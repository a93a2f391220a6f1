"""What one policy's replay did in the period, counted the way a team lead asks: messages
by kind, level, recipient group and week; stalled cases; time in stage and handover lead
time. Pure: from the replayed cases only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise

from core.case.state import CaseState
from core.policy import Roles
from core.stages import Stage
from reports.data import TZ, Period
from reports.whatif.replay import CaseRun, Sent

GroupWeek = tuple[str, date]


@dataclass
class Figures:
    label: str
    messages: Counter[tuple[str, int | None]] = field(default_factory=Counter)  # kind, level
    weeks: Counter[date] = field(default_factory=Counter)
    group_weeks: Counter[GroupWeek] = field(default_factory=Counter)  # recipient group, week
    person_weeks: Counter[tuple[str, date]] = field(default_factory=Counter)  # recipient id
    per_case: Counter[str] = field(default_factory=Counter)  # messages per case
    stalled_in_period: set[str] = field(default_factory=set)
    stalled_at_end: set[str] = field(default_factory=set)
    final_stage: dict[str, Stage] = field(default_factory=dict)
    stage_days: dict[Stage, list[float]] = field(default_factory=dict)
    lead_days: list[int] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)  # "field: reason"
    cases: int = 0

    def add(self, other: Figures) -> None:
        """Fold in the figures of other cases (replayed apart) under the same policy."""
        for name in ("messages", "weeks", "group_weeks", "person_weeks", "per_case", "refused"):
            getattr(self, name).update(getattr(other, name))
        self.stalled_in_period |= other.stalled_in_period
        self.stalled_at_end |= other.stalled_at_end
        self.final_stage |= other.final_stage
        for stage, days in other.stage_days.items():
            self.stage_days.setdefault(stage, []).extend(days)
        self.lead_days += other.lead_days
        self.cases += other.cases


def week_of(moment: datetime) -> date:
    day = moment.astimezone(TZ).date()
    return day - timedelta(days=day.weekday())


def weeks_in(period: Period) -> list[date]:
    first, out = week_of(period.start), []
    while datetime.combine(first, datetime.min.time(), TZ) < period.end:
        out.append(first)
        first += timedelta(days=7)
    return out


def figures(label: str, runs: dict[str, CaseRun], period: Period) -> Figures:
    out = Figures(label=label, cases=len(runs))
    for case_id, run in runs.items():
        for sent in run.messages:
            if period.start <= sent.at < period.end:
                _count(out, case_id, sent, run.state)
        out.final_stage[case_id] = run.state.stage
        if run.state.stalled and not run.state.closed:
            out.stalled_at_end.add(case_id)
        _stays(out, run.state, period)
        out.refused.update(f"{f}: {reason}" for _, f, reason in run.refused)
    return out


def _count(out: Figures, case_id: str, sent: Sent, state: CaseState) -> None:
    message, week = sent.message, week_of(sent.at)
    out.messages[(message.message_kind, message.level)] += 1
    out.weeks[week] += 1
    out.per_case[case_id] += 1
    if message.level == 3:
        out.stalled_in_period.add(case_id)
    for recipient in message.recipients:
        out.group_weeks[(recipient_group(recipient, message.stage, state), week)] += 1
        out.person_weeks[(recipient, week)] += 1


def recipient_group(recipient: str, stage: Stage, state: CaseState) -> str:
    """A role the policy names (team leads, heads, the company service team), else the
    case's own people: its caseworker or its consultant."""
    if state.policy is not None and (role := _roles(state.policy.roles).get(recipient)):
        return role
    if recipient == state.caseworker:
        return "caseworker"
    return "consultant"


@cache
def _roles(roles: Roles) -> dict[str, str]:
    """Who holds which role: recipient id -> role name (the policy's field)."""
    return {who: role for role, who in roles.model_dump().items()}


def _stays(out: Figures, state: CaseState, period: Period) -> None:
    visits = state.stages
    for visit, after in pairwise(visits):
        if period.start <= after.entered_at < period.end:
            days = (after.entered_at - visit.entered_at).total_seconds() / 86400
            out.stage_days.setdefault(visit.stage, []).append(days)
        if visit.stage is Stage.HANDOVER and after.stage is Stage.MATCHING:
            fit = state.declared_fit_on or state.expected_fit_for_work_on
            if fit is not None and period.start <= after.entered_at < period.end:
                out.lead_days.append((after.entered_at.astimezone(TZ).date() - fit).days)


def percentile(values: list[float] | list[int], share: float) -> float | None:
    """The nearest-rank percentile (`share` 0.5 is the median); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return float(ordered[rank])
