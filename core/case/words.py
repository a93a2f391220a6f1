"""A case in words: the outbox messages a caseworker or leader understands (the details
ops staff see and `starter.py status` are in core/case/details.py).

Texts name the case, stage, staff ids and dates; never the citizen. Each message's key
makes writing it idempotent. They are in the policy's language: English message ids, looked
up in core/locale (core/language.py); stage, department and outcome codes are ids too.
"""

from datetime import datetime
from typing import Literal

from core.case.state import CaseState, SendMessage
from core.kernel.timeline import built, when
from core.kernel.words import language_of, sent_late, zone_of
from core.language import N_, say
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
    return say(lang, "it has waited for {what}", what=waiting_word(state.stage, lang))


def waiting_word(stage: Stage, lang: str) -> str:
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
