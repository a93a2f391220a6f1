"""A case in words: outbox messages a caseworker or leader understands, the details ops
staff see in the Temporal Web UI, and the status `starter.py status` prints.

Texts name the case, stage, staff ids and dates; never the citizen. Each message's key
makes writing it idempotent.
"""

from datetime import datetime
from typing import Literal

from core.case.deadlines import next_wakeup
from core.case.delivery import LastEscalation
from core.case.state import CaseState, SendMessage
from core.kernel.timeline import built, when
from core.kernel.words import plain, zone_of
from core.stages import WAITING_FOR, Department, Stage

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
    tz = zone_of(state.policy)
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
    tz = zone_of(state.policy)
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


_NEXT_STEP = {0: "level 1 reminder to", 1: "level 2 escalation to", 2: "level 3 escalation to"}


def describe(state: CaseState, escalation: LastEscalation | None = None) -> str:
    """Current details: stage, owner, next deadline, last event, escalation and whether
    the last escalation was delivered, as the relay told the case (Markdown)."""
    if not state.opened:
        held = len(state.held)
        return f"**Waiting for case_opened** - {held} event(s) held until the case opens."
    tz = zone_of(state.policy)
    if state.closed:
        return (
            f"**CLOSED** - outcome **{state.outcome}** on {when(state.closed_at, tz)}.\n\n"
            f"Last event: {state.last_event}"
        )
    lines = [
        f"**{state.stage.value}** - waiting for {_waiting_for(state)}",
        f"Owner: **{state.owner}** ({state.department})",
        f"Deadline: **{when(state.deadline, tz)}** ({state.deadline_kind.replace('_', ' ')})",
        f"Next: {next_step(state)}",
        f"Escalation: {_escalation(state)}",
        f"Last event: {state.last_event}",
        f"Policy: {state.policy.version if state.policy else 'none'}",
    ]
    if escalation is not None:
        lines.insert(5, delivery_line(escalation, tz))
    if state.handover_rejection and state.stage is Stage.CV_READINESS:
        lines.insert(1, "Handover was sent back by the company service (see timeline).")
    return "\n\n".join(lines)


def next_step(state: CaseState) -> str:
    """What happens at the next wake-up, for the timer's summary."""
    wake = next_wakeup(state)
    if wake is None:
        return "nothing scheduled"
    tz = zone_of(state.policy)
    if state.deadline_kind == "handover_window" and state.escalation_level == 0:
        return f"handover to the company service at {when(wake, tz)}"
    level = min(state.escalation_level, 2)
    who = ", ".join(recipients(state, level + 1))
    if state.escalation_level >= 3:
        return f"level 3 reminder to {who} at {when(wake, tz)}"
    return f"{_NEXT_STEP[level]} {who} at {when(wake, tz)}"


def _waiting_for(state: CaseState) -> str:
    if state.paused:
        return f"review of the pause by {state.review_on}"
    if state.stage is Stage.CV_READINESS and state.cv_complete:
        if state.deadline_kind == "handover_window":
            return "the handover window (expected fit-for-work date) to open"
        return "an expected fit-for-work date (job goal and CV are ready)"
    return WAITING_FOR.get(state.stage, "progress")


def _escalation(state: CaseState) -> str:
    if state.escalation_level == 0:
        return "none"
    stalled = " - **STALLED**" if state.stalled else ""
    return f"level {state.escalation_level}{stalled}"


_NOT_DELIVERED = {"failed": "delivery failed (refused)", "dead": "delivery failed (dead-lettered)"}
ANSWER_SHOWN = 60  # characters of the receiver's answer in the details


def delivery_line(escalation: LastEscalation, tz: str) -> str:
    """Whether the last escalation arrived: delivered, not yet, or failed and why."""
    head = f"Last escalation (level {escalation.level}): "
    news = escalation.news
    if news is None:
        return head + "not delivered yet"
    if news.outcome == "delivered":
        return head + f"**delivered** {when(news.at, tz)}"
    answer = news.answer.strip().replace("\n", " ")[:ANSWER_SHOWN]
    why = f": {answer}" if answer else ""
    return head + f"**{_NOT_DELIVERED[news.outcome]}** {when(news.at, tz)}{why}"


def summary(case_id: str) -> str:
    return f"Sick-leave case {case_id}: job goal, CV, handover to company service, match"


def waiting_summary(state: CaseState, now: datetime) -> str:
    """The deadline timer's summary in the UI: what it waits for and what comes next."""
    del now
    return f"{state.stage.value}: waiting for {_waiting_for(state)}; then {next_step(state)}"


def status(state: CaseState) -> str:
    """The case in words and its timeline, for a terminal."""
    head = f"Case {state.case_id} ({state.municipality or 'not opened yet'})\n\n"
    return head + plain(describe(state), state.timeline, zone_of(state.policy))
