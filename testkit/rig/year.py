"""A synthetic year of three municipalities, for the team leads' report and benchmarks.

The command lines: bench/year.py (write and check the files), scripts/feed_year.py
(generate, feed through the door, report).

Every case is walked through the pure core (`core.case.process.decide`), so each event is one
the real service accepts, in business-time order; the handover happens when the core says
(fit declared, or the window before the expected fit date opening by itself). The draws,
in calendar days, with events on weekdays between 08:00 and 15:45:

- new cases: Poisson per working day, Norddjurs 1.6, Viborg 3.4, Lyngby-Taarbæk 2.6
  (times --scale, as are the openings);
- fit-for-work date known at opening: 55 %, expected a lognormal median 50 days later
  (sigma 0.5);
- job-goal talk: lognormal median 9 days after opening (sigma 0.6), so some miss the
  10 working days;
- pause: 6 % of cases, 2 days after opening, for 14-42 days, then resumed;
- CV: complete a lognormal median 6 days after the talk (sigma 0.7), 25 % first
  incomplete (median 4 days);
- fitness, when no date is known yet: 60 % get an expected date (median 35 days ahead),
  the others are declared fit (median 25 days after the CV); 70 % of expected dates end
  in a declaration within a week of the day;
- handover answer: lognormal median 3 days (sigma 0.8); 12 % rejected, the CV complete
  again a median 7 days later (at most two rejections);
- matching: the first proposal a median 10 days after acceptance (sigma 0.7); 45 %
  declined (answer median 4 days, next proposal median 7 days later), at most five;
  placement a median 8 days after a proposal that holds;
- after-care: follow-ups 1, 4 and 12 weeks after the start, 20 % of them 1-4 days late;
  half with a progression score the day before;
- drop-out: closed in JOB_GOAL_TALK 5 %, CV_READINESS 8 %, HANDOVER 1 %, MATCHING 15 %,
  PLACEMENT 8 % of cases, a lognormal median 12 days into that stage, with an outcome
  plausible there (education, flex job, back to sick leave, moved, ...);
- openings: testkit/rig/year_openings.py.

One proposal in five names a registered opening of the case's municipality still open
then; the others, and those when none is open, name a job outside Trappebro. A placement
fills the opening. The year ends the day before `now`:
what would happen later is not sent, so the cases opened last are still open.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from core.case.events import Event
from core.intake import parse_any
from core.kernel.refusal import Refused
from infrastructure.config import REPO_ROOT
from infrastructure.policy_file import load_policy_book
from testkit.rig.catalogue import TZ, run_tag
from testkit.rig.expectation import replay
from testkit.rig.year_cases import CaseWalk, office_hours
from testkit.rig.year_openings import opening_lines, openings_for, poisson, working_days

POLICY = REPO_ROOT / "policies" / "default.toml"
RATES = {"Norddjurs": 1.6, "Viborg": 3.4, "Lyngby-Taarbæk": 2.6}
# --- the year ---------------------------------------------------------------------------


@dataclass
class Year:
    start: datetime
    end: datetime
    registrations: list[str]  # opening_registered: to send first
    events: list[str]  # case events and opening withdrawals
    cases: int


def generate_year(seed: int = 1, scale: float = 1.0, now: datetime | None = None) -> Year:
    """The year that ended a day before `now`, for the municipalities in RATES."""
    now = now or datetime.now(UTC)
    end = datetime.combine((now - timedelta(days=1)).astimezone(TZ).date(), time(0), TZ)
    start = end - timedelta(days=365)
    book = load_policy_book(POLICY)
    rng = random.Random(seed)
    tag = run_tag(rng)
    registrations, events, cases = [], [], 0
    for number, (municipality, rate) in enumerate(RATES.items(), 1):
        openings = openings_for(rng, municipality, start, end, f"O-{tag}{number}", scale)
        for day in working_days(start, end):
            for _ in range(poisson(rng, rate * scale)):
                cases += 1
                case_id = f"K-{tag}-{number}{cases:05d}"
                walk = CaseWalk(random.Random(f"{seed}/{case_id}"), case_id, municipality,
                                book, end, openings)  # fmt: skip
                walk.walk(office_hours(rng, day))
                events += walk.lines
        registered, withdrawn = opening_lines(openings, end)
        registrations += registered
        events += withdrawn
    return Year(start, end, registrations, events, cases)


def problems(year: Year) -> list[str]:
    """What would make the year useless to feed: a line intake refuses, an event id used
    twice, a case event the pure core does not accept at its business time."""
    out, cases, ids = [], [], set()
    for line in year.registrations + year.events:
        try:
            event = parse_any(line)
        except Refused as refused:
            out.append(f"intake refuses {line[:80]}: {refused}")
            continue
        out += [f"event id {event.event_id} used twice"] * (event.event_id in ids)
        ids.add(event.event_id)
        if isinstance(event, Event):
            cases.append(line)
    outcomes = replay(cases, load_policy_book(POLICY), year.end).outcomes
    if set(outcomes) - {"accepted"}:
        out.append(f"case events the core does not accept: {dict(outcomes)}")
    return out
