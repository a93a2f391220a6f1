"""The statutory clocks in words for caseworkers and leads: one place for their texts.

Like core/case/words.py, texts name the case, the rule and dates, never the citizen.
"""

from core.kernel.timeline import when
from core.statutory.deadlines import Rule, StatutoryDeadline
from core.statutory.ladder import StatutoryEscalation
from core.statutory.state import StatutoryState

RULE_WORDS: dict[Rule, str] = {
    "first_talk": "the first follow-up talk (opfølgningssamtale)",
    "followup_talk": "the next follow-up talk",
    "reassessment": "the reassessment (revurdering)",
    "early_talk": "the early talk the citizen or employer asked for",
}
_ROLE = {1: "caseworker", 2: "team lead", 3: "department head"}


def next_in_words(state: StatutoryState, deadline: StatutoryDeadline | None) -> str:
    """A line for the case's Current details: which rule is next and by when."""
    if state.ended is not None:
        why = "fit for work declared" if state.ended.why == "fit_for_work" else "case closed"
        return f"Statutory follow-up ended on {state.ended.on} ({why})."
    if deadline is None:
        return "Statutory follow-up: nothing due."
    text = f"Statutory: {RULE_WORDS[deadline.rule]} by {deadline.due_on}"
    if deadline.due_on != deadline.latest_on:
        text += f" (the law's latest date {deadline.latest_on} is a closed day)"
    return text + "."


def escalation_text(
    escalation: StatutoryEscalation, municipality: str | None, tz_name: str = "Europe/Copenhagen"
) -> str:
    deadline, level = escalation.deadline, escalation.level
    text = (
        f"Case {escalation.case_id} ({municipality}): {RULE_WORDS[deadline.rule]} was due by "
        f"{deadline.due_on} (the law's latest date {deadline.latest_on}, counted from "
        f"{deadline.counted_from}) and is not recorded as held. Level {level} "
        f"({_ROLE[level]}): " + ("the law's deadline is missed." if level >= 3 else "please act.")
    )
    if escalation.late:
        text += f" Sent late: this was due {when(escalation.due_at, tz_name)}."
    return text
