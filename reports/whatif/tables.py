"""The what-if's tables, current and new side by side, as plain rows of text: the
terminal and the HTML page show the same (reports.tables.Table)."""

from __future__ import annotations

from collections import Counter

from core.stages import Stage
from reports.language import N_, say
from reports.tables import HEADINGS, Table
from reports.whatif.figures import Figures, percentile
from reports.whatif.words import change, days_change, group, kind
from reports.words import days, stage

MOST_CHANGED = 10
BUSIEST = 8


def _sides(current: Figures, new: Figures) -> dict[str, str]:
    """The two policies' labels, as the headings name them."""
    return {"current": current.label, "new": new.label}


def messages(lang: str, current: Figures, new: Figures, weeks: int) -> Table:
    rows = []
    for key in sorted(set(current.messages) | set(new.messages), key=lambda k: (k[0], k[1] or 0)):
        a, b = current.messages[key], new.messages[key]
        rows.append((kind(lang, *key), str(a), str(b), change(lang, a, b)))
    a, b = sum(current.messages.values()), sum(new.messages.values())
    rows.append((say(lang, "All messages"), str(a), str(b), change(lang, a, b)))
    return HEADINGS["whatif_messages"].table(lang, rows, weeks=weeks, **_sides(current, new))


def workload(lang: str, current: Figures, new: Figures, weeks: int) -> Table:
    groups = sorted({g for g, _ in current.group_weeks} | {g for g, _ in new.group_weeks})
    rows = []
    for name in groups:
        cells = []
        for side in (current, new):
            per_week = [n for (g, _), n in side.group_weeks.items() if g == name]
            total = sum(per_week)
            cells += [f"{total / max(weeks, 1):.1f}", str(max(per_week, default=0))]
        rows.append((group(lang, name), *cells))
    return HEADINGS["whatif_workload"].table(lang, rows, **_sides(current, new))


def busiest_people(lang: str, current: Figures, new: Figures) -> Table:
    def most(side: Figures) -> dict[str, int]:
        out: dict[str, int] = {}
        for (who, _), n in side.person_weeks.items():
            out[who] = max(out.get(who, 0), n)
        return out

    a, b = most(current), most(new)
    people = sorted(set(a) | set(b), key=lambda p: (-max(a.get(p, 0), b.get(p, 0)), p))
    rows = [
        (p, str(a.get(p, 0)), str(b.get(p, 0)), change(lang, a.get(p, 0), b.get(p, 0)))
        for p in people[:BUSIEST]
    ]
    return HEADINGS["whatif_busiest_people"].table(lang, rows, **_sides(current, new))


def stalled(lang: str, current: Figures, new: Figures) -> Table:
    rows = []
    for label, attr in (
        (N_("Cases that stalled in the period (department head told)"), "stalled_in_period"),
        (N_("Cases stalled at the end of the period"), "stalled_at_end"),
        (N_("Events the rules would refuse"), "refused"),
    ):
        x, y = (_count(getattr(side, attr)) for side in (current, new))
        rows.append((say(lang, label), str(x), str(y), change(lang, x, y)))
    sides = _sides(current, new)
    return HEADINGS["whatif_stalled"].table(lang, rows, cases=current.cases, **sides)


def _count(found: set[str] | Counter[str]) -> int:
    """Stalled cases (a set) or refused events (counted by reason)."""
    return sum(found.values()) if isinstance(found, Counter) else len(found)


def durations(lang: str, current: Figures, new: Figures) -> Table:
    rows = []
    series = [
        (stage(lang, s.value), current.stage_days.get(s, []), new.stage_days.get(s, []))
        for s in sorted(set(current.stage_days) | set(new.stage_days), key=_order)
    ]
    lead = [float(d) for d in current.lead_days], [float(d) for d in new.lead_days]
    series.append((say(lang, "Handover lead time"), *lead))
    for label, a, b in series:
        cells = []
        for share in (0.5, 0.9):
            x, y = percentile(a, share), percentile(b, share)
            cells += [f"{days(x)} / {days(y)}", days_change(lang, x, y)]
        rows.append((label, f"{len(a)} / {len(b)}", *cells))
    return HEADINGS["whatif_durations"].table(lang, rows)


def _order(s: Stage) -> int:
    return list(Stage).index(s)


def most_changed(lang: str, current: Figures, new: Figures) -> Table:
    cases = set(current.final_stage) | set(new.final_stage)

    def score(case_id: str) -> tuple[int, int, str]:
        moved = current.final_stage.get(case_id) != new.final_stage.get(case_id)
        return (-abs(new.per_case[case_id] - current.per_case[case_id]), -moved, case_id)

    rows = []
    for case_id in sorted(cases, key=score)[:MOST_CHANGED]:
        a, b = current.per_case[case_id], new.per_case[case_id]
        sa, sb = current.final_stage.get(case_id), new.final_stage.get(case_id)
        if a == b and sa == sb:
            break
        ends = " → ".join(stage(lang, s.value) if s else "–" for s in (sa, sb))
        rows.append((case_id, f"{a} → {b}", ends))
    return HEADINGS["whatif_most_changed"].table(lang, rows)


def refusals(lang: str, new: Figures) -> Table:
    rows = [(reason, str(n)) for reason, n in new.refused.most_common(8)]
    return HEADINGS["whatif_refusals"].table(lang, rows)


def all_tables(lang: str, current: Figures, new: Figures, weeks: int) -> list[Table]:
    return [
        messages(lang, current, new, weeks),
        workload(lang, current, new, weeks),
        busiest_people(lang, current, new),
        stalled(lang, current, new),
        durations(lang, current, new),
        most_changed(lang, current, new),
        refusals(lang, new),
    ]
