"""The daily digest's words: per team, the cases due this week and the stalled ones.

Pure: the activity (activities/digest.py) reads the rows and writes the message.
Only case numbers, stages, staff ids and dates: the same pseudonymous facts the UI shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.language import DEFAULT, N_, say

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


def digest_text(
    team: str, day: date, lines: list[DigestLine], tz: ZoneInfo, lang: str = DEFAULT
) -> str:
    """One team's digest for ``day``: stalled cases first, then those due within the week.
    Teams span municipalities, so it is in the service's default language unless asked."""
    stalled = [line for line in lines if line.stalled]
    due = [line for line in lines if not line.stalled]
    until = day + DUE_WITHIN
    head = N_("Daily digest for {team}, {day}: {stalled} stalled, {due} due by {until}.")
    parts = [
        say(
            lang,
            head,
            team=team,
            day=day.isoformat(),
            stalled=len(stalled),
            due=len(due),
            until=until.isoformat(),
        )
    ]
    if stalled:
        parts.append(say(lang, "Stalled (level 3, the department head has been told):"))
        parts += [_line(line, tz, lang) for line in stalled]
    if due:
        parts.append(say(lang, "Due this week:"))
        parts += [_line(line, tz, lang) for line in due]
    return "\n".join(parts)


def _line(line: DigestLine, tz: ZoneInfo, lang: str) -> str:
    when = line.deadline.astimezone(tz).strftime("%Y-%m-%d %H:%M") if line.deadline else "-"
    owner = line.owner or say(lang, "no owner")
    level = line.escalation_level
    told = say(lang, ", escalation level {level}", level=level) if level else ""
    words = N_("- {case}: {stage}, {owner}, deadline {when}{level}")
    stage = say(lang, line.stage)
    return say(lang, words, case=line.case_id, stage=stage, owner=owner, when=when, level=told)
