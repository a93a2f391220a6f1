"""The case tells the opening a proposal, decline or placement names: a hand-off between two
durable workflows, so it must not depend on any client process staying alive.

The signal is a command of the case's own workflow task: it becomes durable in the same task
that answers the door's receipt, and the server delivers it whatever the door, the worker
or the server itself does afterwards. The opening dedupes by the case's event id
(core.opening.process.event_key), so a signal the server delivers twice counts once.

Workflow code: deterministic, no I/O.
"""

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


def for_openings(effects: Sequence[Effect]) -> list[Event]:
    """The events this step accepted (logged) that an opening must hear of, in order."""
    return [
        e.event
        for e in effects
        if isinstance(e, LogEvent)
        and e.event.type in CASE_EVENTS_FOR_OPENINGS
        and getattr(e.event.data, "opening_id", None)
    ]


async def tell_openings(effects: Sequence[Effect]) -> None:
    """Signal each named opening, one after another (an opening hears of one case's events
    in the case's order). An opening that Trappebro does not hold, or that has closed, is
    not found: logged, and the case goes on (its own event stands)."""
    events = for_openings(effects)
    if not events or not workflow.patched(HAND_OFF):
        return
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
