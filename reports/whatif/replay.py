"""One case's logged events through `core.case.process.decide`, with its timers, as the case
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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from core.case.events import Event
from core.case.law_ladder import case_wakeup as next_wakeup  # the stages and the law
from core.case.process import decide
from core.case.state import CaseState, Effect, SendMessage
from core.policy import Policy, PolicyBook
from core.stages import Stage
from workflows.case import BACKLOG_SETTLE

Policies = Callable[[str], Policy]


def policies_of(book: PolicyBook) -> Policies:
    """Each municipality's policy from the book, made once (as the worker's activity
    answers it for every case opened there)."""
    return cache(book.for_municipality)


@dataclass(frozen=True)
class Logged:
    """One row of case_event: the event and the workflow time it was applied at."""

    event: Event
    applied_at: datetime


@dataclass(frozen=True)
class Sent:
    """A message and when, in business time, it was owed."""

    at: datetime
    message: SendMessage


@dataclass
class CaseRun:
    """What one case did under one policy."""

    state: CaseState
    messages: list[Sent] = field(default_factory=list)
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
    case_id: str, logged: Sequence[Logged], policies: Policies, until: datetime
) -> CaseRun:
    """`policies`: the policy a case opened in a municipality takes (see `policies_of`)."""
    run = CaseRun(state=CaseState(case_id=case_id))
    settle: datetime | None = None
    for now, events in batches(logged):
        _tick_until(run, settle, before=now)
        for event in events:
            _apply(run, event, now, policies)
        wake = next_wakeup(run.state)
        settle = now + BACKLOG_SETTLE if wake is not None and wake <= now else None
    _tick_until(run, settle, before=until, inclusive=True)
    return run


def _apply(run: CaseRun, event: Event, now: datetime, policies: Policies) -> None:
    policy = None
    if event.type == "case_opened" and not run.state.opened:
        policy = policies(getattr(event.data, "municipality", ""))
    decision = decide(run.state, event, now, policy)
    run.state = decision.state
    _collect(run, decision.effects, event.occurred_at)
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
        _collect(run, decision.effects, at)
        settle = None


def _collect(run: CaseRun, effects: Iterable[Effect], step_at: datetime) -> None:
    for effect in effects:
        if isinstance(effect, SendMessage):
            run.messages.append(Sent(_owed_at(effect, run.state, step_at), effect))


def _owed_at(message: SendMessage, state: CaseState, step_at: datetime) -> datetime:
    """An escalation when it fell due; a handover request when the case entered HANDOVER
    (its due_at is the answer's deadline); a message on an event when the event happened."""
    if message.message_kind == "escalation" and message.due_at is not None:
        return message.due_at
    if message.message_kind == "handover_requested" and message.due_at is not None:
        due = message.due_at
        entered = [v.entered_at for v in state.stages if v.stage is Stage.HANDOVER]
        return max((t for t in entered if t <= due), default=step_at)
    return step_at
