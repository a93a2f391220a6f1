"""Timeline entries in the reader's language, when they are shown.

An entity's timeline keeps its entries as the rules wrote them, in English, in its state
(changing them would change every recorded history's state); they are translated here, by
their form, when `starter.py status` shows them. An entry of no known form stays as it is.
"""

import re

from core.language import N_, say

_FORMS = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
        (r"entered (?P<stage>\w+)", N_("entered {stage}")),
        (r"(?P<event>\w+) accepted; stage (?P<stage>\w+)", N_("{event} accepted; stage {stage}")),
        (r"(?P<event>\w+) accepted; (?P<status>\w+)", N_("{event} accepted; {status}")),
        (r"escalated to level (?P<level>\d+)", N_("escalated to level {level}")),
        (
            r"statutory escalation: (?P<rule>\w+) level (?P<level>\d+)",
            N_("statutory escalation: {rule} level {level}"),
        ),
        (r"still stalled: level 3 reminder", N_("still stalled: level 3 reminder")),
        (r"handover sent to the company service", N_("handover sent to the company service")),
        (r"closed: (?P<outcome>\w+)", N_("closed: {outcome}")),
        (r"now (?P<status>\w+)", N_("now {status}")),
        (
            r"no candidate proposed by the candidates-by date: escalated",
            N_("no candidate proposed by the candidates-by date: escalated"),
        ),
    )
)
_CODES = ("stage", "status", "outcome")  # the parts that are codes with words of their own


def timeline_entry(what: str, lang: str) -> str:
    for pattern, text in _FORMS:
        found = pattern.fullmatch(what)
        if found:
            parts = found.groupdict()
            values = {k: say(lang, v) if k in _CODES else v for k, v in parts.items()}
            return say(lang, text, **values)
    return what
