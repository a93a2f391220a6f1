"""One case's logged events through `core.process.decide`, with its timers, as the case
workflow (workflows/case.py) ran them.

Each logged event carries the workflow time it was applied at (`applied_at`): events
applied at the same moment came in one batch, with no timer between them. Between
batches the clock fires when the next wake-up comes, but no sooner than the settle
pause after a batch that left the clock overdue (`BACKLOG_SETTLE`), exactly as the
workflow's wait does. So a case fed live escalates on time, and a backlog sent late
escalates (and collapses reminders) as it did. After the last event the clock runs on
to `until`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.clock import next_wakeup
from core.events import Event
from core.policy import PolicyBook
from core.process import decide
from core.state import CaseState, Effect, SendMessage
from workflows.case import BACKLOG_SETTLE


@dataclass(frozen=True)
class Logged:
    """One row of case_event: the event and the workflow time it was applied at."""

    event: Event
    applied_at: datetime


@dataclass
class CaseRun:
    """What one case did under one policy."""

    state: CaseState
    messages: list[SendMessage] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # event, field, reason
    accepted: int = 0


def batches(logged: Sequence[Logged]) -> list[tuple[datetime, list[Event]]]:
    """Consecutive events applied at the same workflow time: one step each."""
    out: list[tuple[datetime, list[Event]]] = []
    for row in logged:
        if out and out[-1][0] == row.applied_at:
            out[-1][1].append(row.event)
        else:
            out.append((row.applied_at, [row.event]))
    return out


def replay_case(
    case_id: str, logged: Sequence[Logged], book: PolicyBook, until: datetime
) -> CaseRun:
    run = CaseRun(state=CaseState(case_id=case_id))
    settle: datetime | None = None
    for now, events in batches(logged):
        _tick_until(run, settle, before=now)
        for event in events:
            _apply(run, event, now, book)
        wake = next_wakeup(run.state)
        settle = now + BACKLOG_SETTLE if wake is not None and wake <= now else None
    _tick_until(run, settle, before=until, inclusive=True)
    return run


def _apply(run: CaseRun, event: Event, now: datetime, book: PolicyBook) -> None:
    policy = None
    if event.type == "case_opened" and not run.state.opened:
        policy = book.for_municipality(getattr(event.data, "municipality", ""))
    decision = decide(run.state, event, now, policy)
    run.state = decision.state
    _collect(run, decision.effects)
    if decision.outcome == "refused":
        run.refused.append((event.event_id, decision.field or "", decision.reason or ""))
    elif decision.outcome == "accepted":
        run.accepted += 1


def _tick_until(
    run: CaseRun, settle: datetime | None, before: datetime, inclusive: bool = False
) -> None:
    """The workflow's timer steps while no event comes: each at its wake-up (or the end of
    the settle pause), as long as that is before the next batch."""
    while (wake := next_wakeup(run.state)) is not None:
        at = max(wake, settle) if settle is not None else wake
        if at > before or (at == before and not inclusive):
            return
        decision = decide(run.state, None, at)
        run.state = decision.state
        _collect(run, decision.effects)
        settle = None


def _collect(run: CaseRun, effects: Iterable[Effect]) -> None:
    run.messages += [e for e in effects if isinstance(e, SendMessage)]
