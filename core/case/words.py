"""A case in words: outbox messages a caseworker or leader understands, the details ops
staff see in the Temporal Web UI, and the status `starter.py status` prints.

Texts name the case, stage, staff ids and dates; never the citizen. Each message's key
makes writing it idempotent. They are in the policy's language: English message ids, looked
up in core/locale (core/language.py); stage, department and outcome codes are ids too.
"""

from datetime import datetime
from typing import Literal

from core.case.deadlines import next_wakeup
from core.case.delivery import LastEscalation
from core.case.state import CaseState, SendMessage
from core.kernel.timeline import built, when
from core.kernel.words import language_of, plain, sent_late, zone_of
from core.language import DEFAULT, N_, say
from core.stages import WAITING_FOR, Department, Stage

EventMessage = Literal["handover_rejected", "wage_talk", "early_warning"]
_ROLE = {1: N_("owner"), 2: N_("team lead"), 3: N_("department head")}


def recipients(state: CaseState, level: int) -> tuple[str, ...]:
    """Level 1 the owner, 2 the team lead, 3 the department head. During a handover both
    departments are told at every level: the sender and the receiver."""
    assert state.policy is not None
    roles = state.policy.roles
    departments = (
        (Department.SICK_LEAVE, Department.COMPANY_SERVICE)
        if state.stage is Stage.HANDOVER
        else (state.department,)
    )
    out: list[str] = []
    for department in departments:
        if level == 1:
            who = state.caseworker if department is Department.SICK_LEAVE else state.owner
        elif department is Department.SICK_LEAVE:
            who = roles.sick_leave_team_lead if level == 2 else roles.sick_leave_department_head
        else:
            who = (
                roles.company_service_team_lead
                if level == 2
                else roles.company_service_department_head
            )
        if who and who not in out:
            out.append(who)
    return tuple(out)


def _what_passed(state: CaseState, lang: str) -> str:
    kind = state.deadline_kind
    if kind == "pause_review":
        text = N_("the pause review date {review_on} passed without the case resuming")
        return say(lang, text, review_on=state.review_on)
    if kind == "moved":
        return say(lang, "the deadline the caseworker set passed")
    if kind == "follow_up":
        return say(lang, "after-care follow-up {n} was due", n=state.followups_held + 1)
    if kind == "match_response":
        return say(lang, "the match proposal got no answer")
    return say(lang, "it has waited for {what}", what=_waiting_word(state.stage, lang))


def _waiting_word(stage: Stage, lang: str) -> str:
    return say(lang, WAITING_FOR.get(stage, "progress"))


def stage_name(stage: Stage, lang: str) -> str:
    return say(lang, stage.value)


def escalation_message(state: CaseState, level: int, due: datetime, late: bool) -> SendMessage:
    tz, lang = zone_of(state.policy), language_of(state.policy)
    repeat = f"r{state.repeats}" if state.repeats else ""
    head = say(
        lang,
        "Case {case} ({municipality}), stage {stage}: {what}; deadline {deadline}, owner {owner}.",
        case=state.case_id,
        municipality=state.municipality,
        stage=stage_name(state.stage, lang),
        what=_what_passed(state, lang),
        deadline=when(state.deadline, tz),
        owner=state.owner,
    )
    stalled, act = (
        N_("Level {level} ({role}): the case is stalled."),
        N_("Level {level} ({role}): please act."),
    )
    ask = stalled if level >= 3 else act
    text = f"{head} {say(lang, ask, level=level, role=say(lang, _ROLE[level]))}" + (
        sent_late(due, tz, lang) if late else ""
    )
    return built(
        SendMessage,
        message_key=f"{state.case_id}/escalation/{state.deadline_no}/{level}{repeat}",
        case_id=state.case_id,
        message_kind="escalation",
        stage=state.stage,
        level=level,
        recipients=recipients(state, level),
        text=text,
        due_at=due,
    )


def handover_requested(state: CaseState) -> SendMessage:
    tz, lang = zone_of(state.policy), language_of(state.policy)
    text = N_(
        "Case {case} ({municipality}) is handed over to the company service: job goal and "
        "CV are ready. Please accept by {deadline}."
    )
    return built(
        SendMessage,
        message_key=f"{state.case_id}/handover_requested/{state.deadline_no}",
        case_id=state.case_id,
        message_kind="handover_requested",
        stage=Stage.HANDOVER,
        recipients=tuple(r for r in (state.handover_owner, state.caseworker) if r),
        text=say(
            lang,
            text,
            case=state.case_id,
            municipality=state.municipality,
            deadline=when(state.deadline, tz),
        ),
        due_at=state.deadline,
    )


def _on_event(
    state: CaseState, event_id: str, kind: EventMessage, stage: Stage, to: str | None, text: str
) -> SendMessage:
    """A message one event triggers, to one staff member (none if nobody holds the role)."""
    return built(
        SendMessage,
        message_key=f"{state.case_id}/{kind}/{event_id}",
        case_id=state.case_id,
        message_kind=kind,
        stage=stage,
        recipients=(to,) if to else (),
        text=say(language_of(state.policy), "Case {case}: {text}", case=state.case_id, text=text),
    )


def handover_rejected(state: CaseState, event_id: str, reason: str) -> SendMessage:
    words = N_("the company service sent the handover back: {reason}")
    text = say(language_of(state.policy), words, reason=reason)
    return _on_event(
        state, event_id, "handover_rejected", Stage.CV_READINESS, state.caseworker, text
    )


def wage_talk(state: CaseState, event_id: str, work_function: str, score: int) -> SendMessage:
    words = N_(
        "scored {score}/10 on '{work_function}'. Start the wage talk with the employer: "
        "the citizen is now real labour."
    )
    text = say(language_of(state.policy), words, score=score, work_function=work_function)
    return _on_event(state, event_id, "wage_talk", state.stage, state.consultant, text)


def early_warning(
    state: CaseState, event_id: str, work_function: str, last: int, score: int
) -> SendMessage:
    words = N_(
        "the score on '{work_function}' fell from {last} to {score}/10. Talk with the "
        "citizen and the employer now, before the placement is at risk."
    )
    values = {"work_function": work_function, "last": last, "score": score}
    text = say(language_of(state.policy), words, **values)
    return _on_event(state, event_id, "early_warning", state.stage, state.consultant, text)


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
    return _waiting_word(state.stage, lang)


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
