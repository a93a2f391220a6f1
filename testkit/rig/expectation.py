"""What the pure core says a generated batch must produce (`replay`), the independent
expectation the crash test, the benchmarks and the year feed check Temporal and PostgreSQL
against; `summary` prints it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.case.events import Event
from core.case.process import decide
from core.case.state import CaseState, LogEvent, RecordRefusal, SendMessage
from core.intake import parse_event
from core.policy import PolicyBook
from testkit.rig.verdict import verdict

# Cases whose clock would next fire within this long after `now` are drawn again.
STABLE_FOR = timedelta(hours=2)


@dataclass
class Batch:
    lines: list[str]
    case_ids: list[str]
    now: datetime
    stable_until: datetime
    policy_path: Path

    @property
    def events(self) -> int:
        return len(self.lines)


@dataclass
class Expectation:
    """What the pure core says a batch produces."""

    outcomes: Counter[str] = field(default_factory=Counter)  # per line: accepted, held, ...
    logged: dict[tuple[str, str], int] = field(default_factory=dict)  # (case, event) -> seq
    outbox: set[str] = field(default_factory=set)  # message keys
    refusals: int = 0  # refused_event rows
    states: dict[str, CaseState] = field(default_factory=dict)
    log: list[LogEvent] = field(default_factory=list)  # the case_event rows, in order

    @property
    def accepted(self) -> int:
        """As the door counts them: applied now, or held until case_opened."""
        return self.outcomes["accepted"] + self.outcomes["held"]

    def add(self, other: Expectation) -> None:
        self.outcomes += other.outcomes
        self.logged |= other.logged
        self.outbox |= other.outbox
        self.refusals += other.refusals
        self.states |= other.states
        self.log += other.log


def replay(lines: list[str], book: PolicyBook, now: datetime) -> Expectation:
    """Each case's lines in the order given, through the pure core, then the clock to `now`."""
    by_case: dict[str, list[Event]] = {}
    for line in lines:
        event = parse_event(line)
        by_case.setdefault(event.case_id, []).append(event)
    out = Expectation()
    for case_id, events in by_case.items():
        out.add(_replay_case(case_id, events, book, now))
    return out


def _replay_case(case_id: str, events: list[Event], book: PolicyBook, now: datetime) -> Expectation:
    out = Expectation()
    state = CaseState(case_id=case_id)
    effects: list[Any] = []
    for event in events:
        policy = None
        if event.type == "case_opened" and not state.opened:
            policy = book.for_municipality(getattr(event.data, "municipality", ""))
        decision = decide(state, event, now, policy)
        state = decision.state
        effects += decision.effects
        out.outcomes[decision.outcome] += 1
    decision = decide(state, None, now)
    state = decision.state
    effects += decision.effects
    for effect in effects:
        if isinstance(effect, LogEvent):
            out.logged[(case_id, effect.event.event_id)] = effect.seq
            out.log.append(effect)
        elif isinstance(effect, SendMessage):
            out.outbox.add(effect.message_key)
        elif isinstance(effect, RecordRefusal):
            out.refusals += 1
    out.states[case_id] = state
    return out


# --- generation -------------------------------------------------------------------------


def summary(batch: Batch, book: PolicyBook) -> int:
    """What the core expects of the batch; FAIL unless every line has an outcome, every case
    is opened, and the expectation still holds at `stable_until` (what a test relies on)."""
    expected = replay(batch.lines, book, batch.now)
    later = replay(batch.lines, book, batch.stable_until)
    stages = Counter(s.stage.value for s in expected.states.values())
    figures = {
        "lines, cases": f"{batch.events}, {len(batch.case_ids)}",
        "outcomes (pure core)": dict(expected.outcomes),
        "logged, outbox, refusals": f"{len(expected.logged)}, {len(expected.outbox)}, "
        f"{expected.refusals}",
        "stages": dict(stages),
    }
    unopened = [c for c in batch.case_ids if not expected.states[c].opened]
    failures = [f"{len(unopened)} cases never opened, e.g. {unopened[:3]}"] * bool(unopened)
    if sum(expected.outcomes.values()) != batch.events:
        failures.append(f"{sum(expected.outcomes.values())} outcomes for {batch.events} lines")
    if (later.outbox, later.logged) != (expected.outbox, expected.logged):
        failures.append(f"the expectation changes before {batch.stable_until:%Y-%m-%d %H:%M}")
    return verdict(figures, failures, width=28)
