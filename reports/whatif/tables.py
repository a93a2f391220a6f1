"""The what-if's tables, current and new side by side, as plain rows of text: the
terminal and the HTML page show the same (reports.tables.Table)."""

from __future__ import annotations

from core.stages import Stage
from reports.tables import Table
from reports.whatif.figures import Figures, percentile
from reports.whatif.words import change, days_change, group, kind
from reports.words import days, stage

MOST_CHANGED = 10
BUSIEST = 8


def _sides(current: Figures, new: Figures) -> tuple[str, str]:
    return current.label, new.label


def messages(current: Figures, new: Figures, weeks: int) -> Table:
    rows = []
    for key in sorted(set(current.messages) | set(new.messages), key=lambda k: (k[0], k[1] or 0)):
        a, b = current.messages[key], new.messages[key]
        rows.append((kind(*key), str(a), str(b), change(a, b)))
    a, b = sum(current.messages.values()), sum(new.messages.values())
    rows.append(("All messages", str(a), str(b), change(a, b)))
    return Table(
        "Messages by kind and level",
        f"Messages owed in the period ({weeks} weeks): a missed deadline counts when it fell due.",
        ("Message", *_sides(current, new), "Change"),
        rows,
    )


def workload(current: Figures, new: Figures, weeks: int) -> Table:
    groups = sorted({g for g, _ in current.group_weeks} | {g for g, _ in new.group_weeks})
    rows = []
    for name in groups:
        cells = []
        for side in (current, new):
            per_week = [n for (g, _), n in side.group_weeks.items() if g == name]
            total = sum(per_week)
            cells += [f"{total / max(weeks, 1):.1f}", str(max(per_week, default=0))]
        rows.append((group(name), *cells))
    a, b = _sides(current, new)
    return Table(
        "Workload per recipient group",
        "Messages a week on average, and in the busiest week. Team leads and heads are one "
        "person each; caseworkers and consultants share theirs by case.",
        ("Recipients", f"{a}: a week", f"{a}: busiest", f"{b}: a week", f"{b}: busiest"),
        rows,
    )


def busiest_people(current: Figures, new: Figures) -> Table:
    def most(side: Figures) -> dict[str, int]:
        out: dict[str, int] = {}
        for (who, _), n in side.person_weeks.items():
            out[who] = max(out.get(who, 0), n)
        return out

    a, b = most(current), most(new)
    people = sorted(set(a) | set(b), key=lambda p: (-max(a.get(p, 0), b.get(p, 0)), p))
    rows = [
        (p, str(a.get(p, 0)), str(b.get(p, 0)), change(a.get(p, 0), b.get(p, 0)))
        for p in people[:BUSIEST]
    ]
    return Table(
        "The most messages one person gets in one week",
        "Each recipient's busiest week under either policy: who would be buried first.",
        ("Recipient", *_sides(current, new), "Change"),
        rows,
    )


def stalled(current: Figures, new: Figures) -> Table:
    rows = []
    for label, attr in (
        ("Cases that stalled in the period (department head told)", "stalled_in_period"),
        ("Cases stalled at the end of the period", "stalled_at_end"),
    ):
        x, y = len(getattr(current, attr)), len(getattr(new, attr))
        rows.append((label, str(x), str(y), change(x, y)))
    x, y = sum(current.refused.values()), sum(new.refused.values())
    rows.append(("Events the rules would refuse", str(x), str(y), change(x, y)))
    return Table(
        "Stalled cases and refused events",
        f"Of {current.cases} cases with events in the period. A refused event changes nothing.",
        ("", *_sides(current, new), "Change"),
        rows,
    )


def durations(current: Figures, new: Figures) -> Table:
    rows = []
    series = [
        (stage(s.value), current.stage_days.get(s, []), new.stage_days.get(s, []))
        for s in sorted(set(current.stage_days) | set(new.stage_days), key=_order)
    ]
    lead = [float(d) for d in current.lead_days], [float(d) for d in new.lead_days]
    series.append(("Handover lead time", *lead))
    for label, a, b in series:
        cells = []
        for share in (0.5, 0.9):
            x, y = percentile(a, share), percentile(b, share)
            cells += [f"{days(x)} / {days(y)}", days_change(x, y)]
        rows.append((label, f"{len(a)} / {len(b)}", *cells))
    return Table(
        "Time in stage and handover lead time (days)",
        "Current / new. Stays that ended in the period; lead time is the acceptance day "
        "minus the fit-for-work day (negative: help started before the citizen was fit).",
        ("", "Stays", "Median", "Change", "90th percentile", "Change"),
        rows,
    )


def _order(s: Stage) -> int:
    return list(Stage).index(s)


def most_changed(current: Figures, new: Figures) -> Table:
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
        ends = " → ".join(stage(s.value) if s else "–" for s in (sa, sb))
        rows.append((case_id, f"{a} → {b}", ends))
    return Table(
        "The cases that change the most",
        "Messages in the period, and the stage at its end, current → new.",
        ("Case", "Messages", "Stage at the end"),
        rows,
    )


def refusals(new: Figures) -> Table:
    rows = [(reason, str(n)) for reason, n in new.refused.most_common(8)]
    return Table(
        "Events the new policy's rules would refuse",
        "Sent by the case system and accepted under the current policy.",
        ("Field: reason", "Events"),
        rows,
    )


def all_tables(current: Figures, new: Figures, weeks: int) -> list[Table]:
    return [
        messages(current, new, weeks),
        workload(current, new, weeks),
        busiest_people(current, new),
        stalled(current, new),
        durations(current, new),
        most_changed(current, new),
        refusals(new),
    ]
