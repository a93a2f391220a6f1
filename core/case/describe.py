"""A case in words, for ops staff in the Temporal Web UI and for `starter.py status`."""

from datetime import datetime

from core.case.ladder import next_wakeup
from core.case.stages import WAITING_FOR, Stage
from core.case.state import CaseState
from core.case.words import recipients
from core.delivery import LastEscalation
from core.kernel.timeline import TimelineEntry, when

_NEXT_STEP = {0: "level 1 reminder to", 1: "level 2 escalation to", 2: "level 3 escalation to"}


def describe(state: CaseState, escalation: LastEscalation | None = None) -> str:
    """Current details: stage, owner, next deadline, last event, escalation and whether
    the last escalation was delivered, as the relay told the case (Markdown)."""
    if not state.opened:
        held = len(state.held)
        return f"**Waiting for case_opened** - {held} event(s) held until the case opens."
    tz = state.policy.timezone if state.policy else "Europe/Copenhagen"
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
    tz = state.policy.timezone if state.policy else "Europe/Copenhagen"
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


def plain(details: str, timeline: tuple[TimelineEntry, ...], tz: str) -> str:
    """Details and timeline as plain text for a terminal (`starter.py status`)."""
    lines = [details.replace("**", "").replace("\n\n", "\n"), "", "Timeline:"]
    lines += [f"  {when(entry.at, tz)}  {entry.what}" for entry in timeline]
    return "\n".join(lines)
