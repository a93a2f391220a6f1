"""What every entity says the same way: its status for a terminal, its state as JSON."""

from datetime import datetime

from pydantic import BaseModel

from core.kernel.timeline import DEFAULT_TZ, TimelineEntry, when
from core.kernel.timeline_words import timeline_entry
from core.language import DEFAULT, Language, say
from core.policy import Policy


def zone_of(policy: Policy | None) -> str:
    return policy.timezone if policy else DEFAULT_TZ


def language_of(policy: Policy | None) -> Language:
    return policy.language if policy else DEFAULT


def sent_late(due: datetime, tz: str, lang: str) -> str:
    """The sentence a message sent after its time ends with (leading space included)."""
    return " " + say(lang, "Sent late: this was due {due}.", due=when(due, tz))


def plain(details: str, timeline: tuple[TimelineEntry, ...], tz: str, lang: str = DEFAULT) -> str:
    """Details and timeline as plain text for a terminal (`starter.py status`)."""
    lines = [details.replace("**", "").replace("\n\n", "\n"), "", say(lang, "Timeline:")]
    lines += [f"  {when(entry.at, tz)}  {timeline_entry(entry.what, lang)}" for entry in timeline]
    return "\n".join(lines)


def as_json(state: BaseModel) -> str:
    """The whole state for machines, without the events still held."""
    return state.model_dump_json(indent=2, exclude={"held"})
