"""An opening in words: its escalation message, the UI's details, suggestion texts.

Texts name openings, employers, cases and staff ids; never a citizen.
"""

from datetime import datetime

from core.kernel.timeline import when
from core.kernel.words import plain, zone_of
from core.matching import Fit, reasons
from core.opening.state import OpeningMessage, OpeningState


def _tz(state: OpeningState) -> str:
    return zone_of(state.policy)


def headline(state: OpeningState) -> str:
    return (
        f"Opening {state.opening_id} ({state.kind} at {state.employer}: '{state.title}', "
        f"DISCO {state.disco_code}, {state.municipality})"
    )


def escalation(state: OpeningState, due: datetime, late: bool) -> OpeningMessage:
    """Nobody proposed by the candidates-by date: the team lead, and the owner, are told."""
    assert state.policy is not None
    lead = state.policy.roles.company_service_team_lead
    text = (
        f"{headline(state)}: no candidate proposed (or every proposal declined) by the "
        "candidates-by date "
        f"{state.candidates_by}; the employer starts {state.starts_on}. Level 2 (team lead): "
        f"please find candidates with {state.owner} or agree a new date with the employer."
        + (f" Sent late: this was due {when(due, _tz(state))}." if late else "")
    )
    return OpeningMessage(
        message_key=f"opening/{state.opening_id}/escalation/candidates_by",
        opening_id=state.opening_id,
        message_kind="opening_escalation",
        status=state.status,
        level=2,
        recipients=tuple(dict.fromkeys(r for r in (lead, state.owner) if r)),
        text=text,
        due_at=due,
    )


def describe_opening(state: OpeningState) -> str:
    """Current details in the Temporal UI (Markdown)."""
    if not state.registered:
        return (
            f"**Waiting for opening_registered** - {len(state.held)} event(s) held "
            "until the opening is registered."
        )
    tz = _tz(state)
    lines = [
        f"**{state.status}** - {headline(state)}",
        f"Starts {state.starts_on}, {state.hours_per_week:g} h/week; requirements: "
        f"{', '.join(state.requirements) or 'none'}",
        f"Owner: **{state.owner}**",
        f"Proposed: {', '.join(state.proposals) or 'nobody yet'}",
    ]
    if state.closed:
        placed = f" by case {state.placed_case_id}" if state.placed_case_id else ""
        lines.insert(1, f"Closed {when(state.closed_at, tz)}{placed}.")
    elif state.deadline is not None:
        lines.append(
            f"Deadline: **{when(state.deadline, tz)}** (candidates by {state.candidates_by}); "
            f"escalation: {'level 2 - team lead told' if state.escalation_level else 'none'}"
        )
    lines.append(f"Last event: {state.last_event}")
    return "\n\n".join(lines)


def summary(opening_id: str) -> str:
    return f"Company-service opening {opening_id}: candidates, proposal, placement"


def waiting_summary(state: OpeningState) -> str:
    return (
        f"{state.status}: waiting for a proposal by {state.candidates_by}; "
        "then the company-service team lead is told"
    )


def suggestion_text(
    opening: dict[str, object], case_id: str, fit: Fit, restrictions: tuple[str, ...], score: float
) -> str:
    """One suggestion, for the case's consultant and the opening's owner."""
    why = "; ".join(reasons(fit, str(opening["disco_code"]), restrictions))
    return (
        f"Suggestion: case {case_id} for opening {opening['opening_id']} ({opening['kind']} at "
        f"{opening['employer']}: '{opening['title']}', {opening['hours_per_week']:g} h/week, "
        f"starts {opening['starts_on']}, {opening['municipality']}). Score {score:g}/100: {why}."
    )


def status(state: OpeningState) -> str:
    """The opening in words and its timeline, for a terminal."""
    return plain(describe_opening(state), state.timeline, _tz(state))
