"""The import summary: the one message a recipient gets instead of the stale ones a first
import would have sent one by one (messages due before the receivers file's
``fold_due_before``; docs/outbox.md). Pure: the relay hands it the folded messages."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.kernel.timeline import when
from core.language import DEFAULT, N_, say

LISTED = 50  # messages named one by one; the rest are counted


@dataclass(frozen=True)
class Folded:
    message_key: str
    case_id: str | None
    kind: str
    due_at: datetime | None


def summary_text(
    recipient: str, folded: Sequence[Folded], cutoff: datetime, lang: str = DEFAULT
) -> str:
    """In the service's default language: one recipient's folded messages span policies."""
    cases = sorted({f.case_id for f in folded if f.case_id})
    words = N_(
        "Import summary for {recipient}: {messages} message(s) about {cases} case(s) fell due "
        "before {cutoff}, before these cases came to Trappebro; they are recorded, not sent one "
        "by one. Look at each case's current deadline."
    )
    values = {"messages": len(folded), "cases": len(cases), "cutoff": when(cutoff)}
    head = say(lang, words, recipient=recipient, **values)
    ordered = sorted(folded, key=lambda f: (f.due_at is None, f.due_at, f.message_key))
    line = N_("- {kind} {case} due {due}")
    lines = [say(lang, line, kind=f.kind, case=f.case_id or "", due=when(f.due_at))
             .replace("  ", " ") for f in ordered[:LISTED]]  # fmt: skip
    if len(ordered) > LISTED:
        lines.append(say(lang, "- and {more} more", more=len(ordered) - LISTED))
    return "\n".join([head, *lines])
