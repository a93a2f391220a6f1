"""An opening in words: its escalation message, the UI's details, suggestion texts.

Texts name openings, employers, cases and staff ids; never a citizen. They are in the
policy's language (core/language.py); opening kinds and statuses are message ids too.
"""

from datetime import datetime

from core.kernel.timeline import when
from core.kernel.words import language_of, plain, sent_late, zone_of
from core.language import DEFAULT, N_, say
from core.matching import Fit, reasons
from core.opening.state import OpeningMessage, OpeningState


def _tz(state: OpeningState) -> str:
    return zone_of(state.policy)


def headline(state: OpeningState) -> str:
    lang = language_of(state.policy)
    return say(
        lang,
        "Opening {opening} ({kind} at {employer}: '{title}', DISCO {disco}, {municipality})",
        opening=state.opening_id,
        kind=say(lang, str(state.kind)),
        employer=state.employer,
        title=state.title,
        disco=state.disco_code,
        municipality=state.municipality,
    )


def escalation(state: OpeningState, due: datetime, late: bool) -> OpeningMessage:
    """Nobody proposed by the candidates-by date: the team lead, and the owner, are told."""
    assert state.policy is not None
    lead = state.policy.roles.company_service_team_lead
    lang = language_of(state.policy)
    words = N_(
        "{headline}: no candidate proposed (or every proposal declined) by the candidates-by "
        "date {candidates_by}; the employer starts {starts_on}. Level 2 (team lead): please "
        "find candidates with {owner} or agree a new date with the employer."
    )
    text = say(
        lang,
        words,
        headline=headline(state),
        candidates_by=state.candidates_by,
        starts_on=state.starts_on,
        owner=state.owner,
    )
    if late:
        text += sent_late(due, _tz(state), lang)
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
    lang = language_of(state.policy)
    if not state.registered:
        words = N_(
            "**Waiting for opening_registered** - {held} event(s) held until the opening is "
            "registered."
        )
        return say(lang, words, held=len(state.held))
    tz = _tz(state)
    starts = N_("Starts {starts_on}, {hours:g} h/week; requirements: {requirements}")
    lines = [
        f"**{say(lang, state.status)}** - {headline(state)}",
        say(
            lang,
            starts,
            starts_on=state.starts_on,
            hours=state.hours_per_week,
            requirements=", ".join(state.requirements) or say(lang, "none"),
        ),
        say(lang, "Owner: **{owner}**", owner=state.owner),
        say(
            lang,
            "Proposed: {proposed}",
            proposed=", ".join(state.proposals) or say(lang, "nobody yet"),
        ),
    ]
    if state.closed:
        by = state.placed_case_id
        placed = say(lang, " by case {case}", case=by) if by else ""
        closed = say(lang, "Closed {at}{placed}.", at=when(state.closed_at, tz), placed=placed)
        lines.insert(1, closed)
    elif state.deadline is not None:
        told = N_("level 2 - team lead told") if state.escalation_level else N_("none")
        words = N_("Deadline: **{deadline}** (candidates by {candidates_by}); escalation: {told}")
        lines.append(
            say(
                lang,
                words,
                deadline=when(state.deadline, tz),
                candidates_by=state.candidates_by,
                told=say(lang, told),
            )
        )
    lines.append(say(lang, "Last event: {event}", event=state.last_event))
    return "\n\n".join(lines)


def summary(opening_id: str, lang: str = DEFAULT) -> str:
    text = N_("Company-service opening {opening}: candidates, proposal, placement")
    return say(lang, text, opening=opening_id)


def waiting_summary(state: OpeningState) -> str:
    words = N_(
        "{status}: waiting for a proposal by {candidates_by}; then the company-service team "
        "lead is told"
    )
    lang = language_of(state.policy)
    return say(lang, words, status=say(lang, state.status), candidates_by=state.candidates_by)


def suggestion_text(
    opening: dict[str, object],
    case_id: str,
    fit: Fit,
    restrictions: tuple[str, ...],
    score: float,
    lang: str = DEFAULT,
) -> str:
    """One suggestion, for the case's consultant and the opening's owner."""
    why = "; ".join(reasons(fit, str(opening["disco_code"]), restrictions, lang))
    words = N_(
        "Suggestion: case {case} for opening {opening} ({kind} at {employer}: '{title}', "
        "{hours:g} h/week, starts {starts_on}, {municipality}). Score {score:g}/100: {why}."
    )
    return say(
        lang,
        words,
        case=case_id,
        opening=opening["opening_id"],
        kind=say(lang, str(opening["kind"])),
        employer=opening["employer"],
        title=opening["title"],
        hours=opening["hours_per_week"],
        starts_on=opening["starts_on"],
        municipality=opening["municipality"],
        score=score,
        why=why,
    )


def status(state: OpeningState) -> str:
    """The opening in words and its timeline, for a terminal."""
    lang = language_of(state.policy)
    return plain(describe_opening(state), state.timeline, _tz(state), lang)
