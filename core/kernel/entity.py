"""One decision for every entity: dedupe by event key, hold before open, let time pass,
then accept or refuse. An entity declares only its own rules (`Entity`'s fields).

Pure and deterministic: `now` is the workflow's time, and deadlines that passed before an
event happened (its `occurred_at`, business time) count as missed before it applies.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, Protocol, TypeVar

from core.kernel.refusal import Refused
from core.kernel.timeline import DEFAULT_TZ, S, note, when
from core.policy import Policy

Outcome = Literal["accepted", "duplicate", "refused", "held"]
F = TypeVar("F")


class AnEvent(Protocol):
    @property
    def event_id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...


E = TypeVar("E", bound=AnEvent)


@dataclass(frozen=True, slots=True)
class Decision(Generic[S, F]):
    state: S
    effects: tuple[F, ...] = ()
    outcome: Outcome = "accepted"
    field: str | None = None
    reason: str | None = None


def by_event_id(event: AnEvent) -> str:
    return event.event_id


def no_effects(*_: object) -> tuple[()]:
    return ()


Step = tuple[S, list[F]]


@dataclass(frozen=True)
class Entity(Generic[S, E, F]):
    """An entity's own rules; `decide` is what every entity does with them."""

    opener: str  # the event type that opens it; events before it are held
    is_open: Callable[[S], bool]
    tick: Callable[[S, datetime], Step[S, F]]  # fire what fell due by a time
    accept: Callable[[S, E, datetime, Policy | None], Step[S, F]]  # may raise Refused
    key: Callable[[E], str] = by_event_id  # what makes two events the same
    refusal_effects: Callable[[S, E, Refused, datetime], tuple[F, ...]] = no_effects

    def decide(
        self, state: S, event: E | None, now: datetime, policy: Policy | None = None
    ) -> Decision[S, F]:
        """Apply one event (or, with `event=None`, only the passing of time) at `now`.
        `policy` is needed only by the opener: the entity keeps that snapshot for life."""
        if event is None:
            state, effects = self.tick(state, now)
            return Decision(state, tuple(effects))
        key = self.key(event)
        if key in state.seen or any(self.key(h) == key for h in state.held):
            return Decision(state, outcome="duplicate")
        if not self.is_open(state) and event.type != self.opener:
            held = state.model_copy(
                update={"held": (*state.held, event), "version": state.version + 1}
            )
            return Decision(held, outcome="held")
        # Later deadlines wait for the next tick, so a backlog can catch up first.
        ticked, missed = self.tick(state, min(event.occurred_at, now))
        try:
            accepted, effects = self.accept(ticked, event, now, policy)
        except Refused as refused:
            made = self.refusal_effects(state, event, refused, now)
            return Decision(state, made, "refused", refused.field, refused.reason)
        if event.type == self.opener:
            accepted, effects = self._release_held(accepted, effects, now)
        return Decision(accepted, (*missed, *effects))

    def _release_held(self, state: S, effects: list[F], now: datetime) -> Step[S, F]:
        """Events that came before the opener are applied now, in business-time order."""
        held: list[E] = sorted(state.held, key=lambda e: e.occurred_at)
        state = state.model_copy(update={"held": ()})
        out = list(effects)
        for event in held:
            decision = self.decide(state, event, now)
            state = decision.state
            out += decision.effects
        return state, out


def recorded(state: S, key: str, event: AnEvent, policy: Policy | None, what: str) -> S:
    """The bookkeeping of an accepted event: seen, counted, named last, on the timeline."""
    tz = policy.timezone if policy else DEFAULT_TZ
    update = {
        "seen": state.seen | {key},
        "seq": state.seq + 1,
        "last_event": f"{event.type} ({when(event.occurred_at, tz)})",
    }
    return note(state, event.occurred_at, what, update)
