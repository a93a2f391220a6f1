"""DESIGN.md invariants 1-4 on the pure core, over random histories.

A history is a case's events (a random prefix of the normal process plus random events of
every type, all valid by schema, with plausible data and business times), delivered in a
random order, some twice, with clock ticks in between and time moving on afterwards, as the
workflow shell would drive `decide`. Every step is checked as it happens.
"""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.case.deadlines import next_wakeup, window_opening
from core.case.events import DATA_MODELS, Event
from core.case.process import decide
from core.case.state import CaseState, Decision, Effect, LogEvent, RecordRefusal, SendMessage
from core.intake import parse_event
from core.policy import Policy
from core.stages import Stage
from testkit.samples import CASE, policy

# The policies under test, each with the time unit its deadlines are counted in.
POLICIES: dict[str, tuple[Policy, timedelta]] = {
    "default": (policy("default", "Norddjurs"), timedelta(hours=1)),
    "default/Lyngby-Taarbæk": (policy("default", "Lyngby-Taarbæk"), timedelta(hours=1)),
    "demo": (policy("demo", "Norddjurs"), timedelta(seconds=1)),
}
# The normal process; a history starts with a random prefix of it.
SPINE = (
    "case_opened",
    "job_goal_talk_held",
    "cv_updated",
    "fit_for_work_declared",
    "handover_accepted",
    "match_proposed",
    "placement_started",
    "progression_scored",
    "followup_held",
    "followup_held",
    "followup_held",
)
KINDS = sorted(DATA_MODELS)
ESCALATION = re.compile(rf"^{CASE}/escalation/(\d+)/([123])(?:r(\d+))?$")
OFFSETS = [timezone(timedelta(hours=h)) for h in (0, 1, 2)]

HISTORY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- random but plausible events ---------------------------------------------------------


def _data(draw: st.DrawFn, kind: str, day: date, municipality: str) -> dict[str, Any]:
    def days(low: int, high: int) -> str:
        return (day + timedelta(days=draw(st.integers(low, high)))).isoformat()

    def past() -> str:
        return days(-30, 0)

    staff = st.sampled_from(["sb-02", "sb-07", "vs-03", "vs-11"])
    opening = st.sampled_from(["O-1", "O-2", "O-3"])
    text = st.sampled_from(["mangler erfaring", "transport", "operation", "afventer læge"])
    if kind == "case_opened":
        data: dict[str, Any] = {
            "municipality": municipality,
            "owner": draw(staff),
            "team": "sygedagpenge-1",
            "sick_listed_on": days(-200, -1),
            "employment_ended_on": days(-400, 0),
        }
        if draw(st.booleans()):
            data["expected_fit_for_work_on"] = days(-20, 150)
        if draw(st.booleans()):
            data["restrictions"] = draw(
                st.lists(st.sampled_from(["no_lifting", "no_long_standing"]), max_size=2)
            )
        return data
    if kind == "job_goal_talk_held":
        titles = st.sampled_from(["Kontorassistent", "Lagerarbejder", "Chauffør"])
        goals = draw(st.lists(titles, min_size=1, max_size=3))
        return {"job_goals": [{"title": t} for t in goals], "held_on": past()}
    if kind == "cv_updated":
        return {"complete": draw(st.booleans()) or draw(st.booleans()), "updated_on": past()}
    if kind == "fit_for_work_expected":
        return {"expected_on": days(-10, 150)}
    if kind == "fit_for_work_declared":
        return {"declared_on": past()}
    if kind == "handover_accepted":
        return {"consultant": draw(staff)}
    if kind in ("handover_rejected", "case_paused", "deadline_moved"):
        data = {"reason": draw(text)}
        if kind == "case_paused":
            data["review_on"] = days(1, 100)  # beyond 12 weeks is refused
        if kind == "deadline_moved":
            data["new_deadline"] = days(1, 60)
        return data
    if kind == "match_proposed":
        match = draw(st.sampled_from(["recruitment", "internship", "wage_subsidy", "small_job"]))
        data = {"opening_id": draw(opening), "kind": match, "employer": "Nordhavn A/S"}
        paid = True if match == "internship" else draw(st.sampled_from([None, True, False]))
        if paid is not None:
            data["leads_to_paid_job"] = paid
        return data
    if kind == "match_declined":
        return {"opening_id": draw(opening), "reason": draw(text)}
    if kind == "placement_started":
        hours = draw(st.sampled_from([25, 12.5, 37]))
        return {"opening_id": draw(opening), "started_on": days(-5, 5), "hours_per_week": hours}
    if kind == "progression_scored":
        return {"work_function": "lager", "score": draw(st.integers(1, 10)), "scored_on": past()}
    if kind == "followup_held":
        return {"held_on": past()}
    if kind == "owner_changed":
        return {"owner": draw(staff)} | ({"team": "sd-3"} if draw(st.booleans()) else {})
    if kind == "case_resumed":
        return {}
    if kind == "statutory_talk_held":
        return {"held_on": past(), "kind": draw(st.sampled_from(["first", "regular", "early"]))}
    if kind == "reassessment_held":
        return {"held_on": past(), "result": "extension"}
    if kind == "early_talk_requested":
        by = draw(st.sampled_from(["citizen", "employer"]))
        return {"requested_on": past(), "requested_by": by}
    assert kind == "case_closed", kind
    outcome = st.sampled_from(["employed", "education", "flex_job", "moved", "other"])
    return {"outcome": draw(outcome), "closed_on": past()}


def _event(draw: st.DrawFn, number: int, kind: str, at: datetime, municipality: str) -> Event:
    at = at.astimezone(draw(st.sampled_from(OFFSETS)))
    return parse_event(
        {
            "event_id": f"e{number}",
            "case_id": CASE,
            "type": kind,
            "occurred_at": at.isoformat(),
            "data": _data(draw, kind, at.date(), municipality),
        }
    )


@dataclass(frozen=True)
class Step:
    gap: timedelta  # wall-clock time that passes before this step
    event: Event | None  # None: a clock tick


@dataclass(frozen=True)
class History:
    name: str
    policy: Policy
    unit: timedelta
    start: datetime
    steps: tuple[Step, ...]
    after: tuple[int | None, ...]  # time moving on at the end: None = to the next wake-up


@st.composite
def histories(draw: st.DrawFn) -> History:
    name = draw(st.sampled_from(sorted(POLICIES)))
    pol, unit = POLICIES[name]
    municipality = "Lyngby-Taarbæk" if "Lyngby" in name else "Norddjurs"
    start = datetime(2026, 1, 5, 8, tzinfo=UTC) + timedelta(
        days=draw(st.integers(0, 700)), minutes=draw(st.integers(0, 600))
    )
    # Business times: the normal process in order, then other events anywhere around it.
    spine = SPINE[: draw(st.integers(1, len(SPINE)))]
    at, events = start, list[Event]()
    for kind in spine:
        events.append(_event(draw, len(events), kind, at, municipality))
        at += unit * draw(st.integers(0, 24 * 12 if unit.seconds == 3600 else 40))
    span = max(1, int((at - start) / unit))
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(KINDS))
        when = start + unit * draw(st.integers(-span // 4, span + span // 4))
        events.append(_event(draw, len(events), kind, when, municipality))
    # Arrival: in business-time order or shuffled; some twice; ticks in between.
    if draw(st.booleans()):
        arrivals = sorted(events, key=lambda e: e.occurred_at)
    else:
        arrivals = draw(st.permutations(events))
    for _ in range(draw(st.integers(0, 3))):
        again = draw(st.sampled_from(events))
        arrivals.insert(draw(st.integers(0, len(arrivals))), again)
    items: list[Event | None] = list(arrivals)
    for _ in range(draw(st.integers(0, 8))):
        items.insert(draw(st.integers(0, len(items))), None)
    gaps = st.integers(0, 24 * 6 if unit.seconds == 3600 else 30)
    steps = tuple(Step(gap=unit * draw(gaps), event=item) for item in items)
    after = tuple(draw(st.lists(st.one_of(st.none(), gaps), min_size=3, max_size=12)))
    earliest = min(e.occurred_at for e in events)
    return History(name, pol, unit, earliest, steps, after)


# --- the run: drive decide as the workflow shell would, checking every step --------------


@dataclass
class Run:
    history: History
    state: CaseState
    now: datetime
    messages: list[SendMessage]
    logged: Counter[str]
    ever_held: set[str]
    accepted: set[str]
    refused: set[str]
    opened_by: str | None = None


def _levels_key(message: SendMessage) -> tuple[int, int, int] | None:
    match = ESCALATION.match(message.message_key)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def _check_owed(before: CaseState, effects: tuple[Effect, ...], reached: datetime) -> None:
    """Invariant 2, step by step: if business time reached a deadline the case still had,
    this very step must have acted on it (level 1, or the handover at the window)."""
    if not before.opened or before.closed or before.deadline is None:
        return
    if before.escalation_level > 0 or before.deadline > reached:
        return
    keys = [e.message_key for e in effects if isinstance(e, SendMessage)]
    window = window_opening(before)
    if before.deadline_kind == "handover_window" or (window and window <= before.deadline):
        # The case hands over when the window opens; a deadline falling due at that same
        # instant was met, not missed.
        assert f"{CASE}/handover_requested/{before.deadline_no + 1}" in keys
    else:
        assert f"{CASE}/escalation/{before.deadline_no}/1" in keys, (before.deadline, reached)


def _never_parked(run: Run) -> None:
    """Invariant 1, after a tick: an owner, a deadline, and a wake-up still ahead."""
    state = run.state
    if state.opened and not state.closed:
        assert state.owner, state.stage
        assert state.deadline is not None
        wakeup = next_wakeup(state)
        assert wakeup is not None and wakeup > run.now


def _tick(run: Run) -> None:
    before = run.state
    decision = decide(before, None, run.now)
    assert decide(before, None, run.now) == decision  # deterministic
    assert all(isinstance(e, SendMessage) for e in decision.effects)
    _check_owed(before, decision.effects, run.now)
    _keep(run, decision)
    _never_parked(run)


def _deliver(run: Run, event: Event) -> None:
    before = run.state
    pol = run.history.policy
    seen = event.event_id in run.accepted or any(h.event_id == event.event_id for h in before.held)
    decision = decide(before, event, run.now, pol)
    assert decide(before, event, run.now, pol) == decision  # deterministic
    if seen:  # invariant 3
        assert decision.outcome == "duplicate"
        assert decision.state is before and decision.effects == ()
    elif decision.outcome == "held":
        assert not before.opened and event.type != "case_opened"
        assert decision.effects == () and decision.state.held[-1] == event
        run.ever_held.add(event.event_id)
    elif decision.outcome == "refused":  # invariant 4: a clear reason, nothing else
        assert decision.state is before
        [refusal] = decision.effects
        assert isinstance(refusal, RecordRefusal) and refusal.event_id == event.event_id
        assert refusal.field and refusal.reason
        assert (decision.field, decision.reason) == (refusal.field, refusal.reason)
    else:
        assert decision.outcome == "accepted"
        ours = [e for e in decision.effects if isinstance(e, LogEvent) and e.event is event]
        assert len(ours) == 1
        _check_owed(before, decision.effects, min(event.occurred_at, run.now))
        if event.type == "case_opened":
            run.opened_by = event.event_id
            _check_released(before, decision)
    _keep(run, decision)


def _check_released(before: CaseState, decision: Decision) -> None:
    """Invariant 4: once the case opens, every held event is accepted or refused."""
    assert decision.state.held == ()
    for held in before.held:
        logs = [e for e in decision.effects if isinstance(e, LogEvent) and e.event is held]
        refused = [
            e
            for e in decision.effects
            if isinstance(e, RecordRefusal) and e.event_id == held.event_id
        ]
        assert len(logs) + len(refused) == 1, held.event_id
        assert all(r.field and r.reason for r in refused)


def _keep(run: Run, decision: Decision) -> None:
    run.state = decision.state
    for effect in decision.effects:
        if isinstance(effect, SendMessage):
            run.messages.append(effect)
        elif isinstance(effect, LogEvent):
            run.logged[effect.event.event_id] += 1
            run.accepted.add(effect.event.event_id)
            assert effect.event.event_id in run.state.seen
        elif isinstance(effect, RecordRefusal):
            run.refused.add(effect.event_id)


def simulate(history: History) -> Run:
    run = Run(history, CaseState(case_id=CASE), history.start, [], Counter(), set(), set(), set())
    for step in history.steps:
        run.now += step.gap
        if step.event is None:
            _tick(run)
        else:
            # Business time is never ahead of the clock: an event arrives once it happened.
            run.now = max(run.now, step.event.occurred_at)
            _deliver(run, step.event)
    for gap in history.after:
        wakeup = next_wakeup(run.state)
        if gap is not None:
            run.now += history.unit * gap
        elif wakeup is not None:
            run.now = max(run.now, wakeup)
        else:
            break
        _tick(run)
    return run


def _check_messages(run: Run) -> None:
    """Invariant 2 over the whole run: each message once; levels 1, 2, 3 in order."""
    keys = [m.message_key for m in run.messages]
    assert len(keys) == len(set(keys)), Counter(keys).most_common(1)
    ladders: dict[int, list[tuple[int, int]]] = {}
    for message in run.messages:
        parsed = _levels_key(message)
        if parsed is None:
            assert message.message_kind != "escalation"
            continue
        number, level, repeat = parsed
        assert message.level == level
        ladders.setdefault(number, []).append((level, repeat))
    for number, rungs in ladders.items():
        levels = [level for level, _ in rungs]
        assert levels[:3] == [1, 2, 3][: len(levels)], (number, rungs)
        assert all(level == 3 for level in levels[3:]), (number, rungs)
        repeats = [r for _, r in rungs[3:]]
        assert repeats == sorted(set(repeats)) and 0 not in repeats, (number, rungs)


# --- the properties ----------------------------------------------------------------------


@HISTORY
@given(histories())
def test_invariants_hold_over_random_histories(history: History) -> None:
    run = simulate(history)
    _check_messages(run)
    # Invariant 4: every accepted event is logged exactly once; none is left behind.
    assert all(count == 1 for count in run.logged.values()), run.logged
    assert set(run.logged) == set(run.state.seen)
    if run.opened_by is not None:
        assert run.state.held == ()
        assert run.ever_held <= set(run.logged) | run.refused
    else:
        assert not run.state.opened and run.messages == []
    # Invariant 3: whatever was seen, sent again now, changes nothing.
    for step in history.steps:
        if step.event is not None and step.event.event_id in run.accepted:
            decision = decide(run.state, step.event, run.now, history.policy)
            assert decision.outcome == "duplicate"
            assert decision.state is run.state and decision.effects == ()


@HISTORY
@given(histories())
def test_a_history_replayed_gives_the_same_outcome(history: History) -> None:
    first, second = simulate(history), simulate(history)
    assert first.state == second.state
    assert first.messages == second.messages


@settings(max_examples=100, deadline=None)
@given(
    name=st.sampled_from(sorted(POLICIES)),
    gaps=st.lists(st.integers(0, 24 * 40), min_size=1, max_size=6),
)
def test_an_untouched_case_climbs_the_ladder_once(name: str, gaps: list[int]) -> None:
    """However the clock happens to tick, a case nobody touches gets levels 1, 2 and 3 once
    each for its first deadline, in that order, and after that only level-3 reminders."""
    pol, unit = POLICIES[name]
    opening = parse_event(
        {
            "event_id": "e0",
            "case_id": CASE,
            "type": "case_opened",
            "occurred_at": "2026-11-02T09:00:00+01:00",
            "data": {
                "municipality": "Norddjurs",
                "owner": "sb-02",
                "team": "sygedagpenge-1",
                "sick_listed_on": "2026-09-28",
                "employment_ended_on": "2026-10-20",
            },
        }
    )
    stages_alone = CaseState(case_id=CASE, law_clocks=False)  # the law's: statutory tests
    state = decide(stages_alone, opening, opening.occurred_at, pol).state
    now, sent = opening.occurred_at, list[SendMessage]()
    for gap in gaps:
        now += unit * gap
        decision = decide(state, None, now)
        state = decision.state
        sent += [m for m in decision.effects if isinstance(m, SendMessage)]
        wakeup = next_wakeup(state)
        assert wakeup is not None and wakeup > now
    deadline = pol.deadlines[Stage.JOB_GOAL_TALK].after(opening.occurred_at, pol.tz)
    levels = [m.level for m in sent]
    assert levels == ([1, 2, 3] + [3] * len(levels))[: len(levels)]
    assert (levels != []) == (now >= deadline)
    first = [f"{CASE}/escalation/1/{level}" for level in (1, 2, 3)]
    assert [m.message_key for m in sent[:3]] == first[: len(sent[:3])]
    repeats = [int(m.message_key.rsplit("r", 1)[1]) for m in sent[3:]]
    assert repeats == sorted(set(repeats)) and all(r >= 1 for r in repeats)
