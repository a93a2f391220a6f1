"""The loop every entity workflow runs: inbox, receipts, wait, step, continue-as-new,
search attributes from state. A workflow subclasses `EntityShell`, declares its messages
(signals, updates, the typed `state` query) and fills in the hooks below.

Workflow code: deterministic, no I/O. The order of commands is the entity's histories'
order: do not reorder the loop without a `workflow.patched` guard.
"""

import contextlib
from abc import abstractmethod
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    from core.kernel.entity import Entity
    from core.kernel.timeline import TimelineEntry
    from core.policy import Policy
    from workflows.payloads import Receipt, Timeline
    from workflows.shell import (
        history_is_long,
        load_policy,
        receipt_for,
        refused_by_contract,
        remember,
    )


class AState(Protocol):
    @property
    def closed(self) -> bool: ...
    @property
    def timeline(self) -> tuple[TimelineEntry, ...]: ...


class ADelivery(Protocol):
    @property
    def delivery_id(self) -> str | None: ...
    @property
    def event(self) -> Any: ...


S = TypeVar("S", bound=AState)
D = TypeVar("D", bound=ADelivery)


class EntityShell(Generic[S, D]):
    rules: "Entity[Any, Any, Any]"  # the entity's rules (core), declared by the subclass
    noun = "entity"  # in the receipt timer's summary: "Waiting for the case to apply ..."
    # The case answers receipts once the step is written; the opening as it decides.
    receipts_at_once = False

    def _begin(
        self, state: S, inbox: tuple[D, ...], receipts: dict[str, Receipt], limit: int
    ) -> None:
        self._limit = limit  # history events before continue-as-new
        self._state = state
        self._inbox: list[D] = list(inbox)
        self._receipts: dict[str, Receipt] = dict(receipts)
        self._shown: list[SearchAttributeUpdate[Any]] = []

    async def _loop(self) -> None:
        """Run until the entity closes (then return) or the history grows long (then
        continue as new)."""
        self._show()
        while True:
            await self._wait()
            await self._step()
            if self._state.closed and not self._inbox:
                await workflow.wait_condition(self._settled)
                if not self._inbox:
                    return
            elif history_is_long(self._limit) and not self._inbox:
                await workflow.wait_condition(self._settled)
                carried = self._carried(
                    state=self._state,
                    inbox=tuple(self._inbox),
                    receipts=self._receipts,
                    continue_as_new_after=self._limit,
                )
                workflow.continue_as_new(carried)

    def _settled(self) -> bool:
        """Nothing in flight (every handler answered): the entity may close or go on anew."""
        return workflow.all_handlers_finished()

    # --- what each entity says ------------------------------------------------------

    @abstractmethod
    def _carried(self, **common: Any) -> Any:
        """The input of the next run: `common` (state, inbox, receipts, the limit) and
        what else the entity carries."""

    @abstractmethod
    async def _step(self) -> None: ...

    async def _policy_for(self, event: Any) -> Policy | None:
        """The policy snapshot, read (a local activity) only for the event that opens it."""
        if event.type != self.rules.opener or self.rules.is_open(self._state):
            return None
        return await load_policy(getattr(event.data, "municipality", ""))

    @abstractmethod
    def _wake(self) -> datetime | None:
        """When time next changes the entity (None: only an event does)."""

    @abstractmethod
    def _waiting_summary(self, now: datetime) -> str: ...

    @abstractmethod
    def _details(self) -> str: ...

    @abstractmethod
    def _attributes(self) -> list[SearchAttributeUpdate[Any]] | None:
        """The search attributes the state shows; None before the entity opens."""

    # --- messages every entity answers ----------------------------------------------

    def _take(self, delivery: D) -> None:
        """A signalled delivery: into the inbox, unless the contract refuses it."""
        if refused := refused_by_contract(delivery.event):
            if delivery.delivery_id:
                remember(self._receipts, {delivery.delivery_id: refused})
            return
        self._inbox.append(delivery)

    @workflow.update(
        name="receipt", description="What became of a delivery sent by signal (waits for it)."
    )
    async def receipt(self, delivery_id: str) -> Receipt:
        """What became of an event sent by signal: waits until the entity has applied it."""
        return await self._receipt_for(delivery_id)

    @receipt.validator
    def _validate_receipt(self, delivery_id: str) -> None:
        if not delivery_id:
            raise ValueError("delivery_id: is required")

    @workflow.query(name="receipt_of", description="A delivery's receipt, without waiting.")
    def receipt_of(self, delivery_id: str) -> Receipt:
        """A receipt without waiting: also answers once the entity has closed."""
        return self._receipts.get(delivery_id, Receipt())

    @workflow.query(name="timeline", description="Every step, with its time.")
    def timeline(self) -> Timeline:
        return Timeline(entries=self._state.timeline)

    @workflow.query(name="details", description="The entity in words, as in Current details.")
    def details(self) -> str:
        return self._details()

    async def _receipt_for(self, delivery_id: str) -> Receipt:
        what = f"Waiting for the {self.noun} to apply the event"
        return await receipt_for(self._receipts, delivery_id, what)

    # --- the loop's parts -----------------------------------------------------------

    async def _wait(self) -> None:
        if self._inbox:
            return
        now = workflow.now()
        wake = self._wake()
        if wake is not None and wake <= now:
            return
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: bool(self._inbox),
                timeout=None if wake is None else wake - now,
                timeout_summary=self._waiting_summary(now),
            )

    async def _decide_all(
        self, batch: list[D], now: datetime
    ) -> tuple[list[Any], dict[str, Receipt]]:
        """Let the rules decide each delivery in turn (or, with none, the passing of time);
        the effects, and the receipts not yet remembered."""
        effects: list[Any] = []
        receipts: dict[str, Receipt] = {}
        deliveries: list[D | None] = [*batch] or [None]
        for delivery in deliveries:
            event = None if delivery is None else delivery.event
            policy = None if event is None else await self._policy_for(event)
            decision = self.rules.decide(self._state, event, now, policy)
            self._state = decision.state
            effects += decision.effects
            if delivery is not None and delivery.delivery_id:
                receipt = Receipt(
                    outcome=decision.outcome, field=decision.field, reason=decision.reason
                )
                kept = self._receipts if self.receipts_at_once else receipts
                remember(kept, {delivery.delivery_id: receipt})
        return effects, receipts

    def _show(self) -> None:
        """Keep search attributes and the UI's current details in step with the state."""
        workflow.set_current_details(self._details())
        updates = self._attributes()
        if updates is not None and updates != self._shown:
            workflow.upsert_search_attributes(updates)
            self._shown = updates
