"""The escalation ladder on statutory deadlines: the stages' three levels, to the
sick-leave department (whose duty the law's follow-up is, whatever the stage), exactly
once per level per deadline, and no repeats after level 3.

Level 1 (the caseworker) when the due day is over, level 2 (the sick-leave team lead)
`ladder.level_2_after` later, level 3 (the department head) `ladder.level_3_after` after
that: the policy's own ladder. Each escalation's key, like the stages'
(`<case>/escalation/<deadline no>/<level>`, core/case/words.py), names it for good:
`<case>/statutory/<rule>/<latest date>/<level>`, so the outbox writes it once whatever
the retries; the state remembers the keys written, so it is asked for once.
"""

from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from core.durations import Duration
from core.statutory.calendar import Calendar
from core.statutory.deadlines import StatutoryDeadline, open_deadlines
from core.statutory.state import StatutoryState
from core.statutory_rules import StatutoryRules

LEVELS = (1, 2, 3)
# Beyond this, the message says it was sent late (as the stages' do: core/kernel/deadlines.py).
LATE_AFTER = timedelta(minutes=1)


class Ladder(Protocol):
    """The policy's ladder (core/policy.py `Ladder`), as far as the law's clocks read it
    (a protocol: the policy holds the statutory rules, so this package cannot import it)."""

    @property
    def level_2_after(self) -> Duration: ...
    @property
    def level_3_after(self) -> Duration: ...


class Roles(Protocol):
    """The policy's sick-leave roles (core/policy.py `Roles`)."""

    @property
    def sick_leave_team_lead(self) -> str: ...
    @property
    def sick_leave_department_head(self) -> str: ...


class StatutoryEscalation(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    case_id: str
    deadline: StatutoryDeadline
    level: int
    due_at: datetime
    late: bool


def rungs(deadline: StatutoryDeadline, ladder: Ladder, calendar: Calendar) -> list[datetime]:
    """When each level falls due, level 1 first."""
    level_1 = deadline.due_at
    level_2 = calendar.after(ladder.level_2_after, level_1)
    return [level_1, level_2, calendar.after(ladder.level_3_after, level_2)]


def escalation_key(case_id: str, deadline: StatutoryDeadline, level: int) -> str:
    return f"{case_id}/statutory/{deadline.key}/{level}"


def escalations_due(
    state: StatutoryState,
    rules: StatutoryRules,
    ladder: Ladder,
    calendar: Calendar,
    now: datetime,
) -> tuple[StatutoryEscalation, ...]:
    """Every escalation due by `now` and not yet written, oldest first; none once the
    benefit ended. Record them with `escalated` so the next call does not ask again."""
    out = []
    for deadline in open_deadlines(state, rules, calendar):
        for level, at in zip(LEVELS, rungs(deadline, ladder, calendar), strict=True):
            key = escalation_key(state.case_id, deadline, level)
            if at <= now and key not in state.escalated:
                late = now - at > LATE_AFTER
                out.append(
                    StatutoryEscalation(
                        key=key,
                        case_id=state.case_id,
                        deadline=deadline,
                        level=level,
                        due_at=at,
                        late=late,
                    )
                )
    return tuple(sorted(out, key=lambda e: (e.due_at, e.level, e.key)))


def escalated(state: StatutoryState, done: tuple[StatutoryEscalation, ...]) -> StatutoryState:
    """`state` remembering the escalations just written."""
    if not done:
        return state
    return state.model_copy(update={"escalated": state.escalated | {e.key for e in done}})


def next_wakeup(
    state: StatutoryState, rules: StatutoryRules, ladder: Ladder, calendar: Calendar
) -> datetime | None:
    """When the statutory clocks next have something to say (the workflow's timer)."""
    times = [
        at
        for deadline in open_deadlines(state, rules, calendar)
        for level, at in zip(LEVELS, rungs(deadline, ladder, calendar), strict=True)
        if escalation_key(state.case_id, deadline, level) not in state.escalated
    ]
    return min(times, default=None)


def recipients(level: int, caseworker: str | None, roles: Roles) -> tuple[str, ...]:
    """The caseworker, then the sick-leave team lead, then its department head."""
    who = {
        1: caseworker,
        2: roles.sick_leave_team_lead,
        3: roles.sick_leave_department_head,
    }[level]
    return (who,) if who else ()
