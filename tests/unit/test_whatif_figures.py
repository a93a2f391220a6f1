"""The what-if's figures do not depend on how the cases are shared out between the two
processes (reports/whatif/both.py): figures of parts, added, equal the figures of all;
a live-fed case under the replay escalates on time, reminder after reminder; and the
tables are in Danish by default, English on request."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.intake import parse_event
from infrastructure.policy_file import load_policy_book
from reports.data import Period
from reports.language import DEFAULT
from reports.whatif.figures import figures
from reports.whatif.replay import Logged, policies_of, replay_case
from reports.whatif.tables import all_tables
from testkit.builders import DEFAULT_POLICY
from testkit.rig.year import generate_year

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def _live_year() -> dict[str, list[Logged]]:
    """A small generated year, each event applied when it occurred (fed live)."""
    year = generate_year(seed=3, scale=0.08, now=NOW)
    cases: dict[str, list[Logged]] = {}
    for line in year.events:
        if '"case_id"' in line:
            event = parse_event(line)
            cases.setdefault(event.case_id, []).append(Logged(event, event.occurred_at))
    return cases


def test_figures_of_parts_add_up_to_the_figures_of_all() -> None:
    cases = _live_year()
    policies = policies_of(load_policy_book(DEFAULT_POLICY))
    runs = {c: replay_case(c, logged, policies, NOW) for c, logged in cases.items()}
    period = Period(date(2026, 3, 1), date(2026, 8, 31))
    whole = figures("all", runs, period)
    ids = sorted(runs)
    first = figures("all", {c: runs[c] for c in ids[: len(ids) // 3]}, period)
    first.add(figures("all", {c: runs[c] for c in ids[len(ids) // 3 :]}, period))
    assert first == whole
    assert sum(whole.messages.values()) > 50 and whole.stage_days and whole.lead_days


def _reminders(cases: dict[str, list[Logged]]) -> dict[str, list[int]]:
    """Each deadline's level-3 reminder numbers (key .../3r<n>), by case/deadline."""
    policies = policies_of(load_policy_book(DEFAULT_POLICY))
    out: dict[str, list[int]] = {}
    for case_id, logged in cases.items():
        for sent in replay_case(case_id, logged, policies, NOW).messages:
            *deadline, level = sent.message.message_key.rsplit("/", 1)
            if level.startswith("3r"):
                out.setdefault(deadline[0], []).append(int(level[2:]))
    return out


def test_a_live_case_is_reminded_at_every_slot() -> None:
    """Fed live, the timers fire on time: every reminder slot gets its own message. The
    same events sent as one late backlog owe one reminder for many missed slots."""
    live = _live_year()
    backlog = {c: [Logged(row.event, NOW) for row in rows] for c, rows in live.items()}
    on_time, folded = _reminders(live), _reminders(backlog)
    assert on_time and all(n == list(range(1, len(n) + 1)) for n in on_time.values())
    assert any(n != list(range(1, len(n) + 1)) for n in folded.values())


def test_the_whatif_tables_are_danish_by_default_and_english_on_request() -> None:
    cases = _live_year()
    policies = policies_of(load_policy_book(DEFAULT_POLICY))
    runs = {c: replay_case(c, logged, policies, NOW) for c, logged in cases.items()}
    period = Period(date(2026, 3, 1), date(2026, 8, 31))
    current, new = figures("nu", runs, period), figures("ny", runs, period)
    danish, english = (all_tables(lang, current, new, 26) for lang in (DEFAULT, "en"))
    assert DEFAULT == "da" and [t.title for t in danish][:2] == [
        "Beskeder efter type og niveau", "Arbejdsbyrde pr. modtagergruppe"
    ]  # fmt: skip
    assert [t.title for t in english][:2] == [
        "Messages by kind and level", "Workload per recipient group"
    ]  # fmt: skip
    assert danish[0].rows[-1][0] == "Alle beskeder" and english[0].rows[-1][0] == "All messages"
    assert danish[0].rows[-1][3] == "uændret" and english[0].rows[-1][3] == "same"
    stages = {row[0] for row in danish[4].rows}
    assert "Jobmålssamtale" in stages and "Job-goal talk" in {row[0] for row in english[4].rows}
