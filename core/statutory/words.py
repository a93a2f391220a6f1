"""The statutory clocks in words for caseworkers and leads: one place for their texts.

Like the case's words, texts name the case, the rule and dates, never the citizen; they are
in the policy's language (core/language.py), Danish unless asked otherwise.
"""

from core.kernel.words import sent_late
from core.language import DEFAULT, N_, say
from core.statutory.deadlines import Rule, StatutoryDeadline
from core.statutory.ladder import StatutoryEscalation
from core.statutory.state import StatutoryState

RULE_WORDS: dict[Rule, str] = {
    "first_talk": N_("the first follow-up talk (opfølgningssamtale)"),
    "followup_talk": N_("the next follow-up talk"),
    "reassessment": N_("the reassessment (revurdering)"),
    "early_talk": N_("the early talk the citizen or employer asked for"),
}
_ROLE = {1: N_("caseworker"), 2: N_("team lead"), 3: N_("department head")}


def next_in_words(
    state: StatutoryState, deadline: StatutoryDeadline | None, lang: str = DEFAULT
) -> str:
    """A line for the case's Current details: which rule is next and by when."""
    if state.ended is not None:
        ended = state.ended.why == "fit_for_work"
        why = N_("fit for work declared") if ended else N_("case closed")
        words = N_("Statutory follow-up ended on {on} ({why}).")
        return say(lang, words, on=state.ended.on, why=say(lang, why))
    if deadline is None:
        return say(lang, "Statutory follow-up: nothing due.")
    rule = say(lang, RULE_WORDS[deadline.rule])
    text = say(lang, "Statutory: {rule} by {due_on}", rule=rule, due_on=deadline.due_on)
    if deadline.due_on != deadline.latest_on:
        closed = N_(" (the law's latest date {latest_on} is a closed day)")
        text += say(lang, closed, latest_on=deadline.latest_on)
    return text + "."


def escalation_text(
    escalation: StatutoryEscalation,
    municipality: str | None,
    tz_name: str = "Europe/Copenhagen",
    lang: str = DEFAULT,
) -> str:
    deadline, level = escalation.deadline, escalation.level
    words = N_(
        "Case {case} ({municipality}): {rule} was due by {due_on} (the law's latest date "
        "{latest_on}, counted from {counted_from}) and is not recorded as held."
    )
    head = say(
        lang,
        words,
        case=escalation.case_id,
        municipality=municipality,
        rule=say(lang, RULE_WORDS[deadline.rule]),
        due_on=deadline.due_on,
        latest_on=deadline.latest_on,
        counted_from=deadline.counted_from,
    )
    missed, act = (
        N_("Level {level} ({role}): the law's deadline is missed."),
        N_("Level {level} ({role}): please act."),
    )
    ask = missed if level >= 3 else act
    text = f"{head} {say(lang, ask, level=level, role=say(lang, _ROLE[level]))}"
    if escalation.late:
        text += sent_late(escalation.due_at, tz_name, lang)
    return text
