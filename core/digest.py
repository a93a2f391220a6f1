"""The daily digest's words: per team, the cases due this week and the stalled ones.

Pure: the activity (activities/digest.py) reads the rows and writes the message.
Only case numbers, stages, staff ids and dates: the same pseudonymous facts the UI shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

DUE_WITHIN = timedelta(days=7)


@dataclass(frozen=True)
class DigestLine:
    case_id: str
    stage: str
    owner: str | None
    deadline: datetime | None
    stalled: bool
    escalation_level: int


def local_day(moment: datetime, timezone: str) -> date:
    """The calendar day ``moment`` falls on in ``timezone`` (the digest's day)."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def digest_key(team: str, day: date) -> str:
    return f"digest/{team}/{day.isoformat()}"


def digest_text(team: str, day: date, lines: list[DigestLine], tz: ZoneInfo) -> str:
    """One team's digest for ``day``: stalled cases first, then those due within the week."""
    stalled = [line for line in lines if line.stalled]
    due = [line for line in lines if not line.stalled]
    until = day + DUE_WITHIN
    parts = [
        f"Daily digest for {team}, {day.isoformat()}: {len(stalled)} stalled, "
        f"{len(due)} due by {until.isoformat()}."
    ]
    if stalled:
        parts.append("Stalled (level 3, the department head has been told):")
        parts += [_line(line, tz) for line in stalled]
    if due:
        parts.append("Due this week:")
        parts += [_line(line, tz) for line in due]
    return "\n".join(parts)


def _line(line: DigestLine, tz: ZoneInfo) -> str:
    when = line.deadline.astimezone(tz).strftime("%Y-%m-%d %H:%M") if line.deadline else "-"
    owner = line.owner or "no owner"
    level = f", escalation level {line.escalation_level}" if line.escalation_level else ""
    return f"- {line.case_id}: {line.stage}, {owner}, deadline {when}{level}"
