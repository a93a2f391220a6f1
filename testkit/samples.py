"""Shared builders for tests of the pure core: events, policies, and a small case driver.

Events are built as the case system would send them (a JSON object) and go through
`parse_event`, so every test event has passed the same door as production ones.
"""

import json
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.case.events import Event
from core.case.process import decide
from core.case.state import CaseState, Decision, Effect, LogEvent, RecordRefusal, SendMessage
from core.intake import parse_event
from core.policy import Policy
from infrastructure.policy_file import load_policy_book
from testkit.paths import REPO_ROOT, TESTS

ROOT = REPO_ROOT
POLICIES = ROOT / "policies"
# The case system's example file, kept with the tests so a clone passes on its own.
SAMPLE = TESTS / "data" / "events.sample.jsonl"
CPH = ZoneInfo("Europe/Copenhagen")
UTC = ZoneInfo("UTC")
CASE = "K-2026-004711"
MUNICIPALITY = "Norddjurs"  # no overrides in policies/default.toml: the default policy
OWNER = "sb-02"
TEAM = "sygedagpenge-1"
CONSULTANT = "vs-03"
OPENING = "O-2026-0042"


def policy(file: str = "default", municipality: str = "Norddjurs") -> Policy:
    """A municipality's policy from `policies/<file>.toml` (Norddjurs has no overrides)."""
    return load_policy_book(POLICIES / f"{file}.toml").for_municipality(municipality)


def local(text: str) -> datetime:
    """'2026-11-02 09:00' as an aware moment in Copenhagen."""
    return datetime.fromisoformat(text).replace(tzinfo=CPH)


def sample_lines() -> list[str]:
    return [line for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def sample(event_id: str) -> str:
    """One line of the shared example file, by its event id."""
    for line in sample_lines():
        if json.loads(line)["event_id"] == event_id:
            return line
    raise KeyError(event_id)


def valid_data(kind: str, day: date) -> dict[str, Any]:
    """Plausible, valid `data` for an event of `kind` that occurs on `day`."""
    iso = day.isoformat()
    table: dict[str, dict[str, Any]] = {
        "case_opened": {
            "municipality": MUNICIPALITY,
            "owner": OWNER,
            "team": TEAM,
            "sick_listed_on": (day - timedelta(days=35)).isoformat(),
            "employment_ended_on": (day - timedelta(days=14)).isoformat(),
        },
        "job_goal_talk_held": {
            "job_goals": [{"title": "Kontorassistent", "disco_code": "4110"}],
            "held_on": iso,
        },
        "cv_updated": {"complete": True, "updated_on": iso},
        "fit_for_work_expected": {"expected_on": (day + timedelta(days=90)).isoformat()},
        "fit_for_work_declared": {"declared_on": iso},
        "handover_accepted": {"consultant": CONSULTANT},
        "handover_rejected": {"reason": "CV mangler seneste erfaring"},
        "match_proposed": {
            "opening_id": OPENING,
            "kind": "wage_subsidy",
            "employer": "Nordhavn Forsikring A/S",
        },
        "match_declined": {"opening_id": OPENING, "reason": "for lang transporttid"},
        "placement_started": {"opening_id": OPENING, "started_on": iso, "hours_per_week": 25},
        "progression_scored": {"work_function": "telefonbetjening", "score": 5, "scored_on": iso},
        "followup_held": {"held_on": iso},
        "owner_changed": {"owner": "sb-07"},
        "deadline_moved": {
            "new_deadline": (day + timedelta(days=14)).isoformat(),
            "reason": "afventer speciallæge",
        },
        "case_paused": {"reason": "operation", "review_on": (day + timedelta(days=21)).isoformat()},
        "case_resumed": {},
        "case_closed": {"outcome": "employed", "closed_on": iso},
        "statutory_talk_held": {"held_on": iso, "kind": "first"},
        "reassessment_held": {"held_on": iso, "result": "extension"},
        "early_talk_requested": {"requested_on": iso, "requested_by": "employer"},
    }
    return table[kind]


def raw(
    kind: str,
    occurred_at: datetime | str = "2026-11-23T09:30:00+01:00",
    /,
    *,
    event_id: str = "evt-000123",
    case_id: str = CASE,
    **data: Any,
) -> dict[str, Any]:
    """An event as the case system sends it; `data` defaults to `valid_data`, keywords override
    (positional-only parameters, so `kind` and the like can be data fields)."""
    moment = datetime.fromisoformat(occurred_at) if isinstance(occurred_at, str) else occurred_at
    return {
        "event_id": event_id,
        "case_id": case_id,
        "type": kind,
        "occurred_at": moment.isoformat(),
        "data": {**valid_data(kind, moment.date()), **data},
    }


def event(
    kind: str,
    occurred_at: datetime | str,
    /,
    *,
    event_id: str | None = None,
    case_id: str = CASE,
    **data: Any,
) -> Event:
    """A parsed, valid event (the event id defaults to one derived from type and time)."""
    moment = datetime.fromisoformat(occurred_at) if isinstance(occurred_at, str) else occurred_at
    eid = event_id or f"{kind}-{moment.astimezone(UTC):%Y%m%dT%H%M%S}"
    return parse_event(raw(kind, moment, event_id=eid, case_id=case_id, **data))


def messages(effects: Iterable[Effect]) -> list[SendMessage]:
    return [e for e in effects if isinstance(e, SendMessage)]


def escalations(effects: Iterable[Effect]) -> list[SendMessage]:
    return [m for m in messages(effects) if m.message_kind == "escalation"]


def keys(effects: Iterable[Effect]) -> list[str]:
    return [m.message_key for m in messages(effects)]


def logged(effects: Iterable[Effect]) -> list[str]:
    return [e.event.event_id for e in effects if isinstance(e, LogEvent)]


def refusals(effects: Iterable[Effect]) -> list[RecordRefusal]:
    return [e for e in effects if isinstance(e, RecordRefusal)]


class Case:
    """Drives one case through `decide` as the workflow shell would, keeping every effect."""

    def __init__(self, pol: Policy | None = None, case_id: str = CASE, law: bool = True) -> None:
        """`law=False`: the stages alone, without the law's clocks (CaseState.law_clocks)."""
        self.policy = pol or policy()
        self.state = CaseState(case_id=case_id, law_clocks=law)
        self.effects: list[Effect] = []
        self.last: Decision | None = None

    def apply(self, ev: Event, now: datetime | None = None) -> Decision:
        """Deliver `ev` at `now` (by default the moment it occurred)."""
        decision = decide(self.state, ev, now or ev.occurred_at, self.policy)
        return self._keep(decision)

    def tick(self, now: datetime) -> Decision:
        return self._keep(decide(self.state, None, now))

    def _keep(self, decision: Decision) -> Decision:
        self.state, self.last = decision.state, decision
        self.effects += decision.effects
        return decision
