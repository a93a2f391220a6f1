"""What every entity says the same way: its status for a terminal, its state as JSON."""

from pydantic import BaseModel

from core.kernel.timeline import DEFAULT_TZ, TimelineEntry, when
from core.policy import Policy


def zone_of(policy: Policy | None) -> str:
    return policy.timezone if policy else DEFAULT_TZ


def plain(details: str, timeline: tuple[TimelineEntry, ...], tz: str) -> str:
    """Details and timeline as plain text for a terminal (`starter.py status`)."""
    lines = [details.replace("**", "").replace("\n\n", "\n"), "", "Timeline:"]
    lines += [f"  {when(entry.at, tz)}  {entry.what}" for entry in timeline]
    return "\n".join(lines)


def as_json(state: BaseModel) -> str:
    """The whole state for machines, without the events still held."""
    return state.model_dump_json(indent=2, exclude={"held"})
