"""A case's details in words: the *Current details* ops staff see in the Temporal Web UI,
the deadline timer's summary, and the status `starter.py status` prints, in the policy's
language (core/language.py).
"""

from datetime import datetime

from core.case.deadlines import next_wakeup
from core.case.delivery import LastEscalation
from core.case.state import CaseState
from core.case.words import recipients, stage_name, waiting_word
from core.kernel.timeline import when
from core.kernel.words import language_of, plain, zone_of
from core.language import DEFAULT, N_, say
from core.stages import Stage

_NEXT_STEP = {
    0: N_("level 1 reminder to {who} at {at}"),
    1: N_("level 2 escalation to {who} at {at}"),
    2: N_("level 3 escalation to {who} at {at}"),
}


def describe(state: CaseState, escalation: LastEscalation | None = None) -> str:
    """Current details: stage, owner, next deadline, last event, escalation and whether
    the last escalation was delivered, as the relay told the case (Markdown)."""
    lang = language_of(state.policy)
    if not state.opened:
        text = N_("**Waiting for case_opened** - {held} event(s) held until the case opens.")
        return say(lang, text, held=len(state.held))
    tz = zone_of(state.policy)
    last = say(lang, "Last event: {event}", event=state.last_event)
    if state.closed:
        closed = say(
            lang,
            "**{closed}** - outcome **{outcome}** on {at}.",
            closed=stage_name(Stage.CLOSED, lang),
            outcome=say(lang, str(state.outcome)),
            at=when(state.closed_at, tz),
        )
        return f"{closed}\n\n{last}"
    kind = say(lang, state.deadline_kind.replace("_", " "))
    version = state.policy.version if state.policy else say(lang, "none")
    lines = [
        say(
            lang,
            "**{stage}** - waiting for {what}",
            stage=stage_name(state.stage, lang),
            what=_waiting_for(state, lang),
        ),
        say(
            lang,
            "Owner: **{owner}** ({department})",
            owner=state.owner,
            department=say(lang, str(state.department)),
        ),
        say(
            lang, "Deadline: **{deadline}** ({kind})", deadline=when(state.deadline, tz), kind=kind
        ),
        say(lang, "Next: {step}", step=next_step(state)),
        say(lang, "Escalation: {level}", level=_escalation(state, lang)),
        last,
        say(lang, "Policy: {version}", version=version),
    ]
    if escalation is not None:
        lines.insert(5, delivery_line(escalation, tz, lang))
    if state.handover_rejection and state.stage is Stage.CV_READINESS:
        lines.insert(1, say(lang, "Handover was sent back by the company service (see timeline)."))
    return "\n\n".join(lines)


def next_step(state: CaseState) -> str:
    """What happens at the next wake-up, for the timer's summary."""
    lang = language_of(state.policy)
    wake = next_wakeup(state)
    if wake is None:
        return say(lang, "nothing scheduled")
    at = when(wake, zone_of(state.policy))
    if state.deadline_kind == "handover_window" and state.escalation_level == 0:
        return say(lang, "handover to the company service at {at}", at=at)
    level = min(state.escalation_level, 2)
    who = ", ".join(recipients(state, level + 1))
    if state.escalation_level >= 3:
        return say(lang, "level 3 reminder to {who} at {at}", who=who, at=at)
    return say(lang, _NEXT_STEP[level], who=who, at=at)


def _waiting_for(state: CaseState, lang: str) -> str:
    if state.paused:
        return say(lang, "review of the pause by {review_on}", review_on=state.review_on)
    if state.stage is Stage.CV_READINESS and state.cv_complete:
        if state.deadline_kind == "handover_window":
            return say(lang, "the handover window (expected fit-for-work date) to open")
        return say(lang, "an expected fit-for-work date (job goal and CV are ready)")
    return waiting_word(state.stage, lang)


def _escalation(state: CaseState, lang: str) -> str:
    if state.escalation_level == 0:
        return say(lang, "none")
    stalled = say(lang, " - **STALLED**") if state.stalled else ""
    return say(lang, "level {level}", level=state.escalation_level) + stalled


_NOT_DELIVERED = {
    "failed": N_("delivery failed (refused)"),
    "dead": N_("delivery failed (dead-lettered)"),
}
ANSWER_SHOWN = 60  # characters of the receiver's answer in the details


def delivery_line(escalation: LastEscalation, tz: str, lang: str) -> str:
    """Whether the last escalation arrived: delivered, not yet, or failed and why."""
    news = escalation.news
    if news is None:
        told = say(lang, "not delivered yet")
    elif news.outcome == "delivered":
        told = say(lang, "**delivered** {at}", at=when(news.at, tz))
    else:
        answer = news.answer.strip().replace("\n", " ")[:ANSWER_SHOWN]
        why = f": {answer}" if answer else ""
        told = f"**{say(lang, _NOT_DELIVERED[news.outcome])}** {when(news.at, tz)}{why}"
    return say(lang, "Last escalation (level {level}): {news}", level=escalation.level, news=told)


OUTBOX_UNKNOWN = N_("Last escalation: unknown (the outbox database did not answer)")
_OUTBOX_STATE = {
    "failed": N_("NOT delivered, refused by the receiver"),
    "dead": N_("NOT delivered, dead-lettered"),
    "pull": N_("waiting to be fetched from the pull feed"),
}


def outbox_sentence(
    key: str, state: str, delivered_at: datetime | None, attempts: int, answer: str | None,
    lang: str = DEFAULT,
) -> str:  # fmt: skip
    """The last escalation's row in the outbox, for `starter.py status`."""
    if delivered_at is not None:
        at = f"{delivered_at:%Y-%m-%d %H:%M:%S %Z}"
        return say(lang, "Last escalation {key}: delivered {at}", key=key, at=at)
    what = say(lang, _OUTBOX_STATE.get(state, N_("not delivered yet")))
    last = say(lang, "; last answer: {answer}", answer=answer) if answer else ""
    words = N_("Last escalation {key}: {what} ({attempts} attempt(s){last})")
    return say(lang, words, key=key, what=what, attempts=attempts, last=last)


def summary(case_id: str, lang: str = DEFAULT) -> str:
    text = N_("Sick-leave case {case}: job goal, CV, handover to company service, match")
    return say(lang, text, case=case_id)


def waiting_summary(state: CaseState, now: datetime) -> str:
    """The deadline timer's summary in the UI: what it waits for and what comes next."""
    del now
    lang = language_of(state.policy)
    return say(
        lang,
        "{stage}: waiting for {what}; then {step}",
        stage=stage_name(state.stage, lang),
        what=_waiting_for(state, lang),
        step=next_step(state),
    )


def status(state: CaseState) -> str:
    """The case in words and its timeline, for a terminal."""
    lang = language_of(state.policy)
    place = state.municipality or say(lang, "not opened yet")
    head = say(lang, "Case {case} ({municipality})", case=state.case_id, municipality=place)
    return f"{head}\n\n" + plain(describe(state), state.timeline, zone_of(state.policy), lang)
