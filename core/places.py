"""Which municipalities an event may name: the ones the policy file serves.

`Municipality` is indexed as a search attribute and shown to leads: a free-text value there
is a place where a name or a CPR number could sit in clear, in every visibility query. So
it must be one of a known list, and a refusal names the list (the caseworker's fix).
"""

from collections.abc import Collection

from core.case.events import CaseOpened, Event
from core.opening.events import OpeningEvent, OpeningRegistered

MUNICIPALITY_FIELD = "data.municipality"


def municipality_reason(served: Collection[str]) -> str:
    return "not a municipality this service serves; one of " + ", ".join(sorted(served))


def municipality_problem(event: Event | OpeningEvent, served: Collection[str] | None) -> str:
    """Why the event's municipality is refused, or "" (no municipality, no list, or served)."""
    data = event.data
    if not served or not isinstance(data, CaseOpened | OpeningRegistered):
        return ""
    return "" if data.municipality in served else municipality_reason(served)
