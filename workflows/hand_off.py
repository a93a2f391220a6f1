"""The case tells the opening a proposal, decline or placement names: a hand-off between two
durable workflows, so it must not depend on any client process staying alive.

The signal is a command of the case's own workflow task: it becomes durable in the same task
that answers the door's receipt, and the server delivers it whatever the door, the worker
or the server itself does afterwards. The opening dedupes by the case's event id
(core.opening.process.event_key), so a signal the server delivers twice counts once.

Since the patch `hand-off-in-background` the case does not wait for the server to confirm a
signal before its next event: the signals go out from one chain of tasks, each after the one
before, so an opening still hears of one case's events in the case's order, and the case
waits for the chain only before it closes or continues as new.

Workflow code: deterministic, no I/O.
"""

import asyncio
from collections.abc import Sequence

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from core.case.events import Event
    from core.case.state import Effect, LogEvent
    from core.opening.state import CASE_EVENTS_FOR_OPENINGS
    from workflows.opening_payloads import (
        OPENING_EVENT_SIGNAL,
        OpeningDelivery,
        opening_workflow_id,
    )

# Patch (see README, "Changing the workflow"): the case, not the door, tells the opening.
# Histories recorded before it never signal an opening and replay as they were.
HAND_OFF = "hand-off-to-openings"
# Patch: the signals no longer hold up the case's next event (see HandOffs).
IN_BACKGROUND = "hand-off-in-background"


def for_openings(effects: Sequence[Effect]) -> list[Event]:
    """The events this step accepted (logged) that an opening must hear of, in order."""
    return [
        e.event
        for e in effects
        if isinstance(e, LogEvent)
        and e.event.type in CASE_EVENTS_FOR_OPENINGS
        and getattr(e.event.data, "opening_id", None)
    ]


class HandOffs:
    """One case's hand-offs to openings, in the case's order, off the case's own path."""

    def __init__(self) -> None:
        self._last: asyncio.Task[None] | None = None

    async def send(self, effects: Sequence[Effect]) -> None:
        """Tell the openings this step's events: awaited as before the patch, else chained."""
        events = for_openings(effects)
        if not events or not workflow.patched(HAND_OFF):
            return
        if not workflow.patched(IN_BACKGROUND):
            await tell_openings(events)
            return
        self._last = asyncio.create_task(_after(self._last, events))

    def idle(self) -> bool:
        """No signal still on its way: the case may close or continue as new."""
        return self._last is None or self._last.done()


async def _after(previous: "asyncio.Task[None] | None", events: list[Event]) -> None:
    if previous is not None:
        await previous
    await tell_openings(events)


async def tell_openings(events: Sequence[Event]) -> None:
    """Signal each named opening, one after another (an opening hears of one case's events
    in the case's order). An opening that Trappebro does not hold, or that has closed, is
    not found: logged, and the case goes on (its own event stands)."""
    for event in events:
        opening_id = str(getattr(event.data, "opening_id", ""))
        handle = workflow.get_external_workflow_handle(opening_workflow_id(opening_id))
        try:
            await handle.signal(OPENING_EVENT_SIGNAL, OpeningDelivery(event=event))
        except FailureError as err:
            # Ids only: never the event's data.
            workflow.logger.warning(
                "opening %s not told of case %s event %s: %s",
                *(opening_id, event.case_id, event.event_id, err.message),
            )
