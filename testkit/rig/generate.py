"""Realistic event batches for the crash test and the benchmark, and what they must produce.

`generate` walks each case through the process with the pure core (`core.case.process.decide`),
choosing at every step an event a job centre would plausibly send next for the stage the
case is in: case_opened, job_goal_talk_held, cv_updated, fit_for_work_expected/declared,
handover_accepted/rejected, match_proposed/declined, placement_started, progression_scored,
followup_held, now and then owner_changed, deadline_moved, a pause, or case_closed. Gaps
between events are days to weeks in the recent past, so some deadlines have passed and
escalations are due. It then adds duplicates (the same event sent again), a few deliveries
out of order (one before case_opened: held) and a few stale events the process refuses.

`replay` is the independent expectation: each case's lines, in the order a door sends them,
through `decide` offline, then the clock run to `now`. What Temporal and PostgreSQL end up
with must equal it: the logged events, the outbox message keys, the refusals, the final
state. Cases whose next deadline or escalation would fall due while a test runs are drawn
again, so the expectation holds from `now` until `Batch.stable_until`.

The command line is bench/generate.py.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from core.case.law_ladder import case_wakeup as next_wakeup  # the stages and the law
from core.case.process import decide
from core.case.state import CaseState
from core.intake import parse_event
from core.policy import PolicyBook
from core.stages import Stage
from infrastructure.policy_file import load_policy_book
from testkit.rig.catalogue import (
    DEFAULT_POLICY,
    EMPLOYERS,
    JOB_GOALS,
    MUNICIPALITIES,
    OPENING_KINDS,
    OUTCOMES,
    RESTRICTIONS,
    TZ,
    run_tag,
)
from testkit.rig.expectation import STABLE_FOR, Batch, replay

# The newest event is at least this old: the case system reports what already happened.
NEWEST = timedelta(minutes=30)

class _Walk:
    """One case's events in business order, each checked against the core as it is chosen."""

    def __init__(self, rng: random.Random, case_id: str, book: PolicyBook, now: datetime):
        self.rng, self.case_id, self.book, self.now = rng, case_id, book, now
        self.state = CaseState(case_id=case_id)
        self.events: list[dict[str, Any]] = []
        self.stale = 0
        self.openings = 0
        self.at = now - timedelta(days=rng.uniform(10, 75))
        self.step_time()

    def day(self) -> date:
        return self.at.astimezone(TZ).date()

    def step_time(self) -> bool:
        """Move business time on by hours to weeks; False when that reaches the present."""
        r = self.rng.random()
        days = self.rng.uniform(0.05, 1) if r < 0.35 else self.rng.uniform(1, 7 if r < 0.85 else 20)
        local = (self.at + timedelta(days=days)).astimezone(TZ)
        while local.weekday() >= 5:
            local += timedelta(days=1)
        hour = self.rng.randint(8, 15)
        minute = self.rng.choice((0, 15, 30, 45))
        moved = datetime.combine(local.date(), time(hour, minute), TZ)
        self.at = max(moved, self.at + timedelta(minutes=5))
        return self.at < self.now - NEWEST

    def send(self, kind: str, data: dict[str, Any], *, stale: bool = False) -> bool:
        """Add the event if the core accepts it (a stale one: if the core refuses it)."""
        raw = {
            "event_id": f"e-{self.case_id}-{len(self.events) + 1:02d}",
            "case_id": self.case_id,
            "type": kind,
            "occurred_at": self.at.astimezone(TZ).isoformat(timespec="seconds"),
            "data": data,
        }
        event = parse_event(raw)  # a generator bug if the door would refuse it
        policy = None
        if kind == "case_opened":
            policy = self.book.for_municipality(data["municipality"])
        decision = decide(self.state, event, self.now, policy)
        if (decision.outcome == "refused") != stale:
            return False
        self.state = decision.state
        self.events.append(raw)
        self.stale += stale
        return True

    def open(self) -> None:
        rng, today = self.rng, self.day()
        data: dict[str, Any] = {
            "municipality": rng.choice(MUNICIPALITIES),
            "owner": f"sb-{rng.randint(1, 40):02d}",
            "team": f"sygedagpenge-{rng.randint(1, 4)}",
            "sick_listed_on": (today - timedelta(days=rng.randint(20, 90))).isoformat(),
            "employment_ended_on": (today - timedelta(days=rng.randint(0, 19))).isoformat(),
        }
        if rng.random() < 0.5:
            expected = today + timedelta(days=rng.randint(10, 120))
            data["expected_fit_for_work_on"] = expected.isoformat()
        if rng.random() < 0.3:
            data["restrictions"] = rng.sample(RESTRICTIONS, rng.randint(1, 2))
        self.send("case_opened", data)

    def next_event(self) -> None:
        """One plausible next event for the stage the case is in."""
        rng, state, today = self.rng, self.state, self.day()
        r = rng.random()
        if r < 0.03:
            outcome = rng.choice(OUTCOMES)
            self.send("case_closed", {"outcome": outcome, "closed_on": today.isoformat()})
        elif r < 0.06:
            self.send("owner_changed", {"owner": f"sb-{rng.randint(1, 40):02d}"})
        elif r < 0.08 and not state.paused:
            later = today + timedelta(days=rng.randint(5, 20))
            self.send("deadline_moved", {"new_deadline": later.isoformat(), "reason": "ferie"})
        elif r < 0.10 and not state.paused and state.stage is not Stage.PLACEMENT:
            review = today + timedelta(days=rng.randint(7, 40))
            self.send("case_paused", {"reason": "indlagt", "review_on": review.isoformat()})
        elif r < 0.12:
            self._stale()
        elif state.paused:
            self.send("case_resumed", {})
        else:
            self._progress()

    def _progress(self) -> None:
        rng, state, today = self.rng, self.state, self.day()
        if state.stage is Stage.JOB_GOAL_TALK:
            goals = rng.sample(JOB_GOALS, rng.randint(1, 3))
            self.send(
                "job_goal_talk_held",
                {
                    "job_goals": [{"title": t, "disco_code": c} for t, c in goals],
                    "held_on": today.isoformat(),
                },
            )
        elif state.stage is Stage.CV_READINESS and not state.cv_complete:
            complete = rng.random() < 0.75
            self.send("cv_updated", {"complete": complete, "updated_on": today.isoformat()})
        elif state.stage is Stage.CV_READINESS:
            if rng.random() < 0.5:
                self.send("fit_for_work_declared", {"declared_on": today.isoformat()})
            else:
                expected = today + timedelta(days=rng.randint(7, 40))
                self.send("fit_for_work_expected", {"expected_on": expected.isoformat()})
        elif state.stage is Stage.HANDOVER:
            if rng.random() < 0.85:
                self.send("handover_accepted", {"consultant": f"vs-{rng.randint(1, 12):02d}"})
            else:
                self.send("handover_rejected", {"reason": "CV mangler arbejdsfunktioner"})
        elif state.stage is Stage.MATCHING:
            self._matching()
        elif state.stage is Stage.PLACEMENT:
            if rng.random() < 0.4:
                self.send(
                    "progression_scored",
                    {
                        "work_function": rng.choice(("kasse", "varemodtagelse", "kundeservice")),
                        "score": rng.randint(3, 9),
                        "scored_on": today.isoformat(),
                    },
                )
            else:
                self.send("followup_held", {"held_on": today.isoformat()})

    def _matching(self) -> None:
        rng, proposals, today = self.rng, self.state.proposals, self.day()
        r = rng.random()
        if proposals and r < 0.45:
            self.send(
                "placement_started",
                {
                    "opening_id": rng.choice(proposals),
                    "started_on": today.isoformat(),
                    "hours_per_week": rng.choice((15, 20, 25, 37)),
                },
            )
        elif proposals and r < 0.65:
            opening = rng.choice(proposals)
            self.send("match_declined", {"opening_id": opening, "reason": "for langt at køre"})
        else:
            self.openings += 1
            kind = rng.choice(OPENING_KINDS)
            data: dict[str, Any] = {
                "opening_id": f"O-{self.case_id[-6:]}-{self.openings}",
                "kind": kind,
                "employer": rng.choice(EMPLOYERS),
            }
            if kind == "internship":
                data["leads_to_paid_job"] = True
            self.send("match_proposed", data)

    def _stale(self) -> None:
        """An event the case system sends from an out-of-date view: the core refuses it."""
        if self.state.stage is Stage.HANDOVER:
            self.send("match_declined", {"opening_id": "O-gone", "reason": "besat"}, stale=True)
        else:
            self.send("handover_accepted", {"consultant": "vs-99"}, stale=True)


def _deliveries(rng: random.Random, walk: _Walk) -> list[dict[str, Any]]:
    """The walk's events as a case system delivers them: some twice, a few out of order."""
    events = list(walk.events)
    closed = walk.state.closed
    # Never touch the closing event: anything sent after it meets a finished workflow.
    body, tail = (events[:-1], events[-1:]) if closed else (events, [])
    if len(body) >= 2 and rng.random() < 0.15:
        i = 0 if rng.random() < 0.4 else rng.randrange(len(body) - 1)
        body[i], body[i + 1] = body[i + 1], body[i]
    out: list[dict[str, Any]] = []
    for raw in body:
        out.append(raw)
        if rng.random() < 0.06:
            out.append(raw)  # the case system resent it
    return out + tail


def _case(
    rng: random.Random, case_id: str, book: PolicyBook, now: datetime, max_events: int
) -> list[str] | None:
    walk = _Walk(rng, case_id, book, now)
    walk.open()
    target = rng.randint(3, max_events)
    while len(walk.events) < target and not walk.state.closed and walk.step_time():
        walk.next_event()
    lines = [json.dumps(raw, ensure_ascii=False) for raw in _deliveries(rng, walk)]
    expected = replay(lines, book, now)
    state = expected.states[case_id]
    # Out of order must never turn an accepted event into a refused one (walk.stale are).
    if expected.outcomes["refused"] != walk.stale:
        return None
    wake = next_wakeup(state)
    if wake is not None and wake <= now + STABLE_FOR:
        return None
    return lines


def generate(
    cases: int,
    seed: int,
    now: datetime | None = None,
    policy_path: Path = DEFAULT_POLICY,
    max_events: int = 10,
    tag: str | None = None,
) -> Batch:
    """`cases` cases (about (1 + max_events) / 2 + 1 events each), lines interleaved
    across cases as a case system would send them, each case's own order kept."""
    now = now or datetime.now(UTC)
    book = load_policy_book(policy_path)
    rng = random.Random(seed)
    tag = tag or run_tag(rng)
    per_case: list[list[str]] = []
    case_ids: list[str] = []
    for number in range(1, cases + 1):
        case_id = f"K-{tag}-{number:06d}"
        for attempt in range(100):
            lines = _case(
                random.Random(f"{seed}/{number}/{attempt}"), case_id, book, now, max_events
            )
            if lines is not None:
                break
        else:
            raise RuntimeError(f"could not draw a stable case {case_id}")
        per_case.append(lines)
        case_ids.append(case_id)
    return Batch(_interleave(rng, per_case), case_ids, now, now + STABLE_FOR, policy_path)


def _interleave(rng: random.Random, per_case: list[list[str]]) -> list[str]:
    queues = [list(reversed(lines)) for lines in per_case]
    live = [q for q in queues if q]
    out: list[str] = []
    while live:
        # Earlier cases first, mostly: a batch is roughly in time order.
        queue = live[min(int(rng.expovariate(1 / 8)), len(live) - 1)]
        out.append(queue.pop())
        if not queue:
            live.remove(queue)
    return out
