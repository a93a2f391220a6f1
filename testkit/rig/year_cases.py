"""One case's year (bench/year.py has the distributions): each event is one the pure
core accepts at its business time, chosen for the stage the case is in then."""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from core.case.process import decide
from core.case.state import CaseState
from core.intake import parse_event
from core.policy import PolicyBook
from core.stages import Stage
from testkit.rig.catalogue import EMPLOYERS, JOB_GOALS, RESTRICTIONS, TZ
from testkit.rig.year_law import LawWalk, at_work
from testkit.rig.year_openings import Opening

REGISTERED_SHARE = 0.2  # of proposals: for an opening registered in Trappebro
DROP_OUT = {"JOB_GOAL_TALK": 0.05, "CV_READINESS": 0.08, "HANDOVER": 0.01, "MATCHING": 0.15,
            "PLACEMENT": 0.08}  # fmt: skip
DROP_OUTCOMES = {
    "JOB_GOAL_TALK": ("back_to_sick_leave", "moved", "other"),
    "CV_READINESS": ("back_to_sick_leave", "education", "moved", "other"),
    "HANDOVER": ("back_to_sick_leave", "other"),
    "MATCHING": ("education", "flex_job", "small_job", "back_to_sick_leave", "other"),
    "PLACEMENT": ("back_to_sick_leave", "other"),
}


class Stop(Exception):
    """The walk is over: the case closed, or the year ended."""


def lognormal(rng: random.Random, median: float, sigma: float) -> timedelta:
    return timedelta(days=median * math.exp(rng.gauss(0, sigma)))


def office_hours(rng: random.Random, moment: datetime) -> datetime:
    """The same day at a time people work (a weekend moves to Monday)."""
    day = moment.astimezone(TZ).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(rng.randint(8, 15), rng.choice((0, 15, 30, 45))), TZ)


@dataclass
class CaseWalk:
    """One case's events, each accepted by the pure core at its business time."""

    rng: random.Random
    case_id: str
    municipality: str
    book: PolicyBook
    end: datetime
    openings: list[Opening]
    lines: list[str] = field(default_factory=list)
    drop_stage: str | None = None
    drop_at: datetime | None = None
    fit_on: datetime | None = None  # a declaration still to come, near the expected day

    def __post_init__(self) -> None:
        self.state = CaseState(case_id=self.case_id)
        self.at = datetime.min.replace(tzinfo=UTC)
        self.law: LawWalk | None = None  # from case_opened on
        roll = self.rng.random()
        for stage, share in DROP_OUT.items():
            if roll < share:
                self.drop_stage = stage
                break
            roll -= share

    def walk(self, opened: datetime) -> None:
        try:
            self._sick_leave(opened)
            self._handover()
            self._matching()
            self._after_care()
        except Stop:
            return

    # --- sending ------------------------------------------------------------------------

    def emit(self, kind: str, moment: datetime, data: dict[str, Any], dated: str = "") -> None:
        """Send `kind` in office hours at `moment` (after the last event), its `dated` field
        the day it happens; first the fitness declaration or drop-out due by then."""
        moment = office_hours(self.rng, moment)
        if moment <= self.at:
            moment = self.at + timedelta(minutes=15)
        if self.fit_on is not None and self.at < self.fit_on < moment:
            fit_on, self.fit_on = self.fit_on, None
            self.emit("fit_for_work_declared", fit_on, {}, dated="declared_on")
        self._law_until(moment)
        self.idle(moment)
        self._send(kind, moment, {**data, dated: self.day(moment)} if dated else data)

    def _law_until(self, moment: datetime) -> None:
        """The statutory events due before `moment`, while the benefit runs."""
        while self.law is not None and self.state.statutory is not None:
            if self.state.statutory.ended is not None:
                return
            day, kind, data = self.law.next_event()
            at = max(at_work(self.law.rng, day), self.at + timedelta(minutes=15)).astimezone(TZ)
            if at >= moment:
                return
            dated = "requested_on" if kind == "early_talk_requested" else "held_on"
            self.idle(at)
            self._send(kind, at, {**data, dated: self.day(at)})
            self.law.sent(kind, at.astimezone(TZ).date())

    def idle(self, moment: datetime) -> None:
        """Let time pass to `moment`: the core may hand over; the case may drop out."""
        self.state = decide(self.state, None, moment).state
        if self.state.stage.value == self.drop_stage and self.drop_at is None:
            entered = self.state.stage_entered_at or moment
            self.drop_at = office_hours(self.rng, entered + lognormal(self.rng, 12, 0.6))
        if self.drop_at is not None and moment >= self.drop_at:
            outcome = self.rng.choice(DROP_OUTCOMES[self.state.stage.value])
            closed = max(self.drop_at, self.at + timedelta(minutes=15))
            self._send("case_closed", closed, {"outcome": outcome, "closed_on": self.day(closed)})
            raise Stop

    def day(self, moment: datetime) -> str:
        return moment.astimezone(TZ).date().isoformat()

    def _send(self, kind: str, moment: datetime, data: dict[str, Any]) -> None:
        if moment >= self.end:
            raise Stop
        raw = {
            "event_id": f"{self.case_id}-{len(self.lines) + 1:02d}",
            "case_id": self.case_id,
            "type": kind,
            "occurred_at": moment.isoformat(timespec="seconds"),
            "data": data,
        }
        policy = self.book.for_municipality(self.municipality) if kind == "case_opened" else None
        decision = decide(self.state, parse_event(raw), moment, policy)
        if decision.outcome != "accepted":
            raise AssertionError(f"generator bug: {kind}: {decision.field} {decision.reason}")
        self.state, self.at = decision.state, moment
        self.lines.append(json.dumps(raw, ensure_ascii=False))
        if self.state.closed:
            raise Stop

    def after(self, median: float, sigma: float = 0.6) -> datetime:
        return self.at + lognormal(self.rng, median, sigma)

    # --- the stages ---------------------------------------------------------------------

    def _sick_leave(self, opened: datetime) -> None:
        rng, day = self.rng, opened.astimezone(TZ).date()
        data: dict[str, Any] = {
            "municipality": self.municipality,
            "owner": f"sb-{rng.randint(1, 12):02d}",
            "team": f"sygedagpenge-{rng.randint(1, 3)}",
            "sick_listed_on": (day - timedelta(days=rng.randint(21, 70))).isoformat(),
            "employment_ended_on": (day - timedelta(days=rng.randint(0, 20))).isoformat(),
        }
        expected = None
        if rng.random() < 0.55:
            expected = (opened + lognormal(rng, 50, 0.5)).astimezone(TZ).date()
            data["expected_fit_for_work_on"] = expected.isoformat()
        if rng.random() < 0.3:
            data["restrictions"] = rng.sample(RESTRICTIONS, rng.randint(1, 2))
        self.emit("case_opened", opened, data)
        assert self.state.policy is not None and self.state.sick_listed_on is not None
        law_rng = random.Random(f"{self.case_id}/law")  # apart: the other draws stay as they were
        self.law = LawWalk(law_rng, self.state.sick_listed_on, self.state.policy.statutory)
        if rng.random() < 0.06:
            length = timedelta(days=rng.randint(14, 42))
            review = self.day(self.at + length + timedelta(days=5))
            self.emit("case_paused", self.at + timedelta(days=2),
                      {"reason": "indlagt", "review_on": review})  # fmt: skip
            self.emit("case_resumed", self.at + length, {})
        goals = [{"title": t, "disco_code": c} for t, c in rng.sample(JOB_GOALS, rng.randint(1, 2))]
        self.emit("job_goal_talk_held", self.after(9), {"job_goals": goals}, dated="held_on")
        self._cv_and_fitness(expected)

    def _cv_and_fitness(self, expected: date | None) -> None:
        rng = self.rng
        if rng.random() < 0.25:
            self.emit("cv_updated", self.after(4), {"complete": False}, dated="updated_on")
        self.emit("cv_updated", self.after(6, 0.7), {"complete": True}, dated="updated_on")
        if expected is None and rng.random() < 0.6:
            expected = (self.after(35, 0.5)).astimezone(TZ).date()
            self.emit("fit_for_work_expected", self.at + timedelta(days=1),
                      {"expected_on": expected.isoformat()})  # fmt: skip
        if expected is None:
            self.emit("fit_for_work_declared", self.after(25), {}, dated="declared_on")
        elif rng.random() < 0.7:
            declared = expected + timedelta(days=rng.randint(-7, 7))
            self.fit_on = datetime.combine(declared, time(9), TZ)
        self._wait_for_handover()

    def _wait_for_handover(self) -> None:
        """A week at a time until the core hands the case over (window open, or fit)."""
        while self.state.stage is Stage.CV_READINESS:
            step = self.at + timedelta(days=7)
            if self.fit_on is not None and self.fit_on <= step:
                self.emit("fit_for_work_declared", self.fit_on, {}, dated="declared_on")
                continue
            if step >= self.end:
                raise Stop
            self.idle(step)
            self.at = (
                step
                if self.state.stage is Stage.CV_READINESS
                else self.state.stage_entered_at or step
            )

    def _handover(self) -> None:
        for round_ in range(3):
            if self.rng.random() < 0.12 and round_ < 2:
                self.emit("handover_rejected", self.after(3, 0.8),
                          {"reason": "CV mangler arbejdsfunktioner"})  # fmt: skip
                self.emit("cv_updated", self.after(7), {"complete": True}, dated="updated_on")
                self._wait_for_handover()
                continue
            consultant = f"vs-{self.rng.randint(1, 8):02d}"
            self.emit("handover_accepted", self.after(3, 0.8), {"consultant": consultant})
            return

    def _matching(self) -> None:
        moment = self.after(10, 0.7)
        for number in range(1, 6):
            opening = self._opening(moment)
            opening_id = opening.opening_id if opening else f"O-ext-{self.case_id}-{number}"
            kind = opening.kind if opening else self.rng.choice(("recruitment", "small_job"))
            data: dict[str, Any] = {"opening_id": opening_id, "kind": kind,
                                    "employer": self.rng.choice(EMPLOYERS)}  # fmt: skip
            if kind == "internship":
                data["leads_to_paid_job"] = True
            self.emit("match_proposed", moment, data)
            placed = self.after(8)
            if self.rng.random() < 0.45 or (opening and not opening.open_at(placed)):
                self.emit("match_declined", self.after(4),
                          {"opening_id": opening_id, "reason": "for langt at køre"})  # fmt: skip
                moment = self.after(7)
                continue
            hours = self.rng.choice((15, 20, 25, 37))
            self.emit("placement_started", placed, {"opening_id": opening_id,
                      "hours_per_week": hours}, dated="started_on")  # fmt: skip
            if opening:
                opening.filled_at, opening.withdrawn_at = self.at, None
            return
        raise Stop  # five proposals and no job: the case stays in MATCHING

    def _opening(self, moment: datetime) -> Opening | None:
        """Most jobs the consultants find are not openings registered in Trappebro."""
        if self.rng.random() >= REGISTERED_SHARE:
            return None
        here = [o for o in self.openings if o.open_at(moment) and o.filled_at is None]
        return self.rng.choice(here) if here else None

    def _after_care(self) -> None:
        start = self.state.placement_started_on
        assert start is not None
        for weeks in (1, 4, 12):
            due = datetime.combine(start + timedelta(weeks=weeks), time(9), TZ)
            if self.rng.random() < 0.5:
                score = {"work_function": self.rng.choice(("kasse", "lager", "kundeservice")),
                         "score": self.rng.randint(3, 9)}  # fmt: skip
                self.emit("progression_scored", due - timedelta(days=1), score, dated="scored_on")
            late = (
                timedelta(days=self.rng.randint(1, 4)) if self.rng.random() < 0.2 else timedelta()
            )
            self.emit("followup_held", due + late, {}, dated="held_on")
