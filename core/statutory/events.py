"""The three statutory events of the contract and the checks that need the case.

The models follow core/case/events.py (frozen, strict, unknown fields refused); the checks
that need the case (its first day of absence, whether it is closed) are here, pure, for
the case's rules to call before they accept the event.
"""

from datetime import date, datetime
from typing import Literal

from core.kernel.contract import Frozen
from core.statutory.calendar import week_of

TalkKind = Literal["first", "regular", "early"]
ReassessmentResult = Literal["extension", "job_clarification_course"]
RequestedBy = Literal["citizen", "employer"]

# The law sets a latest date for the reassessment, not an earliest: one held before this
# week is accepted, and the timeline says so.
EARLY_REASSESSMENT_WEEK = 8


class StatutoryTalkHeld(Frozen):
    held_on: date
    kind: TalkKind


class ReassessmentHeld(Frozen):
    held_on: date
    result: ReassessmentResult


class EarlyTalkRequested(Frozen):
    requested_on: date
    requested_by: RequestedBy


StatutoryData = StatutoryTalkHeld | ReassessmentHeld | EarlyTalkRequested
STATUTORY_DATA_MODELS: dict[str, type[Frozen]] = {
    "statutory_talk_held": StatutoryTalkHeld,
    "reassessment_held": ReassessmentHeld,
    "early_talk_requested": EarlyTalkRequested,
}


def dated(data: StatutoryData) -> tuple[str, date]:
    """The event's own date and its field name."""
    if isinstance(data, EarlyTalkRequested):
        return "data.requested_on", data.requested_on
    return "data.held_on", data.held_on


def statutory_refusals(
    data: StatutoryData, occurred_at: datetime, sick_listed_on: date | None, closed: bool
) -> list[tuple[str, str]]:
    """Why the case refuses this event, as (field, reason) pairs like core/storable.py's
    (empty: it accepts it). Pairs, not intake's `Refusal`, so intake can import this."""
    if closed:
        return [("case_id", "case closed")]
    field, day = dated(data)
    problems = []
    if sick_listed_on is not None and day < sick_listed_on:
        problems.append((field, "lies before the first day of absence"))
    if day > occurred_at.date():
        problems.append((field, "lies after occurred_at"))
    return problems


def timeline_flags(data: StatutoryData, sick_listed_on: date) -> tuple[str, ...]:
    """What the timeline should say about an accepted event that is odd but lawful."""
    if isinstance(data, ReassessmentHeld):
        week = week_of(sick_listed_on, data.held_on)
        if week < EARLY_REASSESSMENT_WEEK:
            return (
                f"reassessment held in week {week} of absence, before week "
                f"{EARLY_REASSESSMENT_WEEK}: accepted (the law sets a latest date, not an "
                "earliest)",
            )
    return ()
