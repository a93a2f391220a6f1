"""The opening's rules over random histories (hypothesis): proposals, declines, placements,
fills and withdrawals in any order, with time passing in between.

- Exactly once: at most one escalation message, always with the same key, and only when the
  candidates-by deadline passed with nobody proposed.
- Never parking: an open opening that has not escalated has a deadline or a proposal.
- A closed opening accepts nothing more; versions only grow.
"""

from datetime import datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from core.case.events import Event
from core.intake import parse_event
from core.opening.events import OpeningEvent
from core.opening.process import decide_opening
from core.opening.state import OpeningMessage, OpeningState
from testkit.openings import OPENING, opening
from testkit.samples import policy, raw

REGISTERED = "2026-11-23T09:30:00+01:00"
CASES = ("K-2026-aaa", "K-2026-bbb", "K-2026-ccc")
Step = tuple[str, int, str]  # (what, hours after registration, case)


def _event(what: str, at: datetime, case: str, n: int) -> Event | OpeningEvent:
    stamp = at.isoformat()
    if what in ("opening_filled", "opening_withdrawn"):
        return opening(what, stamp, f"o-{n}")
    data: dict[str, Any] = {"opening_id": OPENING}
    return parse_event(raw(what, at, event_id=f"e-{n}", case_id=case, **data))


steps = st.lists(
    st.tuples(
        st.sampled_from(
            (
                "tick",
                "tick",
                "match_proposed",
                "match_declined",
                "placement_started",
                "opening_filled",
                "opening_withdrawn",
            )
        ),
        st.integers(0, 24 * 40),
        st.sampled_from(CASES),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(history=steps)
def test_an_opening_escalates_at_most_once_and_never_parks(history: list[Step]) -> None:
    first = opening("opening_registered")
    state = decide_opening(OpeningState(opening_id=OPENING), first, first.occurred_at, policy())
    state_ = state.state
    now = first.occurred_at
    escalations: list[OpeningMessage] = []
    for n, (what, hours, case) in enumerate(sorted(history, key=lambda s: s[1])):
        at = first.occurred_at + timedelta(hours=hours)
        now = max(now, at)
        before = state_
        event = None if what == "tick" else _event(what, at, case, n)
        decision = decide_opening(before, event, now)
        state_ = decision.state
        new = [e for e in decision.effects if isinstance(e, OpeningMessage)]
        for message in new:
            # Only a deadline that passed with nobody proposed escalates.
            assert before.deadline is not None and message.due_at == before.deadline
            assert message.due_at <= now and not before.proposals
        escalations += new
        if before.closed and event is not None:
            assert decision.outcome in ("refused", "duplicate")
        assert state_.version >= before.version
        if state_.registered and not state_.closed and state_.escalation_level == 0:
            assert state_.deadline is not None or state_.proposals
    assert len(escalations) <= 1
    assert {m.message_key for m in escalations} <= {f"opening/{OPENING}/escalation/candidates_by"}
