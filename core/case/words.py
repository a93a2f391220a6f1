"""Outbox messages in words a caseworker or leader understands.

Texts name the case, stage, staff ids and dates; never the citizen. Each message's key
makes writing it idempotent.
"""

from datetime import datetime
from typing import Literal

from core.case.stages import WAITING_FOR, Department, Stage
from core.case.state import CaseState, SendMessage
from core.kernel.timeline import built, when

EventMessage = Literal["handover_rejected", "wage_talk", "early_warning"]
_ROLE = {1: "owner", 2: "team lead", 3: "department head"}


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


def _what_passed(state: CaseState) -> str:
    kind = state.deadline_kind
    if kind == "pause_review":
        return f"the pause review date {state.review_on} passed without the case resuming"
    if kind == "moved":
        return "the deadline the caseworker set passed"
    if kind == "follow_up":
        return f"after-care follow-up {state.followups_held + 1} was due"
    if kind == "match_response":
        return "the match proposal got no answer"
    return f"it has waited for {WAITING_FOR.get(state.stage, 'progress')}"


def escalation_message(state: CaseState, level: int, due: datetime, late: bool) -> SendMessage:
    tz = state.policy.timezone if state.policy else "Europe/Copenhagen"
    repeat = f"r{state.repeats}" if state.repeats else ""
    text = (
        f"Case {state.case_id} ({state.municipality}), stage {state.stage.value}: "
        f"{_what_passed(state)}; deadline {when(state.deadline, tz)}, owner {state.owner}. "
        f"Level {level} ({_ROLE[level]})"
        + (": the case is stalled." if level >= 3 else ": please act.")
        + (f" Sent late: this was due {when(due, tz)}." if late else "")
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
    tz = state.policy.timezone if state.policy else "Europe/Copenhagen"
    return built(
        SendMessage,
        message_key=f"{state.case_id}/handover_requested/{state.deadline_no}",
        case_id=state.case_id,
        message_kind="handover_requested",
        stage=Stage.HANDOVER,
        recipients=tuple(r for r in (state.handover_owner, state.caseworker) if r),
        text=(
            f"Case {state.case_id} ({state.municipality}) is handed over to the company "
            f"service: job goal and CV are ready. Please accept by {when(state.deadline, tz)}."
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
        text=f"Case {state.case_id}: {text}",
    )


def handover_rejected(state: CaseState, event_id: str, reason: str) -> SendMessage:
    text = f"the company service sent the handover back: {reason}"
    return _on_event(
        state, event_id, "handover_rejected", Stage.CV_READINESS, state.caseworker, text
    )


def wage_talk(state: CaseState, event_id: str, work_function: str, score: int) -> SendMessage:
    text = (
        f"scored {score}/10 on '{work_function}'. Start the wage talk with the employer: "
        "the citizen is now real labour."
    )
    return _on_event(state, event_id, "wage_talk", state.stage, state.consultant, text)


def early_warning(
    state: CaseState, event_id: str, work_function: str, last: int, score: int
) -> SendMessage:
    text = (
        f"the score on '{work_function}' fell from {last} to {score}/10. Talk with the "
        "citizen and the employer now, before the placement is at risk."
    )
    return _on_event(state, event_id, "early_warning", state.stage, state.consultant, text)
