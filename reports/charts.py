"""The report's charts as PNG bytes (matplotlib, Agg backend: no display needed).

Plain titles and axis labels with units, for a team lead who is not technical.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # before pyplot: files only, never a window

import matplotlib.pyplot as plt
from babel.dates import format_date
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from reports.data import STAGES, ReportData
from reports.language import N_, say
from reports.words import (
    HEATMAP_ROWS,
    REASSESSMENT,
    STATUTORY_KINDS,
    TALK,
    days,
    quartiles,
    stage,
)

HOW_TO_READ_BOXES = N_(
    "Box: the middle half of stays. Thick line: the typical (median) stay. "
    "Lines: the 5th to the 95th percentile."
)
EARLY, LATE, NEUTRAL = "#2e7d32", "#e07b00", "#3f6fb5"
SIZE = (10, 5.2)  # inches
plt.rcParams.update({"font.size": 11, "axes.spines.top": False, "axes.spines.right": False})


def _png(draw: Callable[[Figure], None], size: tuple[float, float]) -> bytes:
    figure = plt.figure(figsize=size, dpi=110)
    try:
        draw(figure)
        figure.tight_layout()
        out = io.BytesIO()
        figure.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(figure)


def titled_chart(
    title: str,
    empty: bool,
    draw: Callable[[Figure, Axes], None],
    size: tuple[float, float],
    lang: str,
) -> bytes:
    """`draw` on one titled plot, or, when the period has no data for it, a line saying so
    (`title` is already in `lang`)."""

    def whole(figure: Figure) -> None:
        ax = figure.add_subplot()
        ax.set_title(title, loc="left", fontweight="bold")
        if empty:
            ax.text(0.5, 0.5, say(lang, "No data in this period"), ha="center", va="center",
                    transform=ax.transAxes)  # fmt: skip
            ax.set_axis_off()
        else:
            draw(figure, ax)

    return _png(whole, size)


def time_in_stage(data: ReportData) -> bytes:
    lang, stages = data.lang, [s for s in STAGES if data.stage_days.get(s)]

    def draw(figure: Figure, ax: Axes) -> None:
        values = [data.stage_days[s] for s in reversed(stages)]
        ax.boxplot(
            values, vert=False, whis=(5, 95), showfliers=False, widths=0.55, patch_artist=True,
            boxprops={"facecolor": "#dbe6f5", "edgecolor": NEUTRAL},
            medianprops={"color": "black", "linewidth": 2},
        )  # fmt: skip
        labels = [
            say(
                lang,
                "{stage}\n({stays} stays)",
                stage=stage(lang, s),
                stays=len(data.stage_days[s]),
            )
            for s in reversed(stages)
        ]
        ax.set_yticks(range(1, len(labels) + 1), labels)
        for y, v in enumerate(values, 1):
            ax.annotate(say(lang, "typical {days} days", days=days(quartiles(v)[1])),
                        (quartiles(v)[2], y),
                        xytext=(8, 6), textcoords="offset points", fontsize=9)  # fmt: skip
        ax.set_xlabel(say(lang, "Days in the stage"))
        ax.text(0, -0.16, say(lang, HOW_TO_READ_BOXES), transform=ax.transAxes, fontsize=9,
                color="#555")  # fmt: skip
        ax.set_xlim(0, max(quartiles(v)[2] for v in values) * 0.15 + ax.get_xlim()[1])

    title = say(lang, "How long citizens spend in each stage")
    return titled_chart(title, not stages, draw, SIZE, lang)


def lead_time(data: ReportData) -> bytes:
    lang = data.lang
    title = say(lang, "When the company service started, compared with the fit-for-work date")

    def draw(figure: Figure, ax: Axes) -> None:
        weeks = Counter(d // 7 for d in data.lead_days)  # week-wide bins, 0 = days 0-6
        bins = range(min(weeks), max(weeks) + 1)
        counts = [weeks.get(b, 0) for b in bins]
        colours = [EARLY if b < 0 else LATE for b in bins]
        ax.bar([7 * b for b in bins], counts, width=7, align="edge", color=colours,
               edgecolor="white")  # fmt: skip
        ax.axvline(0, color="black", linestyle="--", linewidth=1.2)
        ax.text(0, max(counts) * 1.02, " " + say(lang, "fit-for-work day"), fontsize=9,
                va="bottom")  # fmt: skip
        ax.set_xlabel(say(lang, "Days from the fit-for-work date to the accepted handover "
                      "(left of the line: help started before the citizen was fit)"))  # fmt: skip
        ax.set_ylabel(say(lang, "Citizens (each bar: one week)"))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        early = sum(1 for d in data.lead_days if d < 0)
        later = len(data.lead_days) - early
        ax.legend(
            handles=[
                Patch(color=EARLY, label=say(lang, "Started before fit: {n} citizens", n=early)),
                Patch(color=LATE, label=say(lang, "On or after: {n} citizens", n=later)),
            ],
            frameon=False,
            loc="upper right",
        )

    return titled_chart(title, not data.lead_days, draw, SIZE, lang)


def escalation_heatmap(data: ReportData) -> bytes:
    lang = data.lang
    title = say(lang, "Missed deadlines, by department and week")

    def draw(figure: Figure, ax: Axes) -> None:
        weeks = _mondays(data.period.first, data.period.last)  # quiet weeks too
        rows = list(HEATMAP_ROWS)
        grid = [[0] * len(weeks) for _ in rows]
        for r in data.escalations:
            grid[rows.index(r["department"])][weeks.index(r["week"])] += r["n"]
        image = ax.imshow(grid, aspect="auto", cmap="Oranges")
        ax.set_yticks(range(len(rows)), [say(lang, HEATMAP_ROWS[r]) for r in rows])
        step = max(1, round(len(weeks) / 10))
        ticks = list(range(0, len(weeks), step))
        ax.set_xticks(ticks, [_week(lang, weeks[i]) for i in ticks])
        if len(weeks) <= 26:
            for y, row in enumerate(grid):
                for x, n in enumerate(row):
                    ax.text(x, y, str(n), ha="center", va="center", fontsize=8)
        ax.set_xlabel(say(lang, "Week the deadline fell in (Monday's date)"))
        bar = figure.colorbar(image, ax=ax, fraction=0.03)
        bar.set_label(say(lang, "Missed deadlines"))

    return titled_chart(title, not data.escalations, draw, (11, 4.2), lang)


def _week(lang: str, monday: date) -> str:
    day = format_date(monday, "dd MMM", locale=lang)
    return say(lang, "{day}\nweek {number}", day=day, number=monday.isocalendar()[1])


def _mondays(first: date, last: date) -> list[date]:
    monday = first - timedelta(days=first.weekday())
    return [monday + timedelta(weeks=n) for n in range((last - monday).days // 7 + 1)]


def funnel(data: ReportData) -> bytes:
    lang = data.lang
    title = say(lang, "From case opened to employed (cases opened in the period)")
    empty = not data.funnel or data.funnel[0][1] == 0

    def draw(figure: Figure, ax: Axes) -> None:
        labels = [say(lang, label) for label, _ in reversed(data.funnel)]
        counts = [n for _, n in reversed(data.funnel)]
        ax.barh(labels, counts, color=[EARLY] + [NEUTRAL] * (len(counts) - 1))
        total = data.funnel[0][1]
        for y, n in enumerate(counts):
            ax.text(n, y, f"  {n} ({100 * n / total:.0f}%)", va="center", fontsize=10)
        ax.set_xlabel(say(lang, "Citizens"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # people come whole
        ax.set_xlim(0, total * 1.18)

    return titled_chart(title, empty, draw, SIZE, lang)


def timeliness(data: ReportData) -> bytes:
    """Share held on time per month, talks and reassessments, over every team."""
    lang = data.lang
    title = say(lang, "Statutory follow-up held on time, by month")
    totals: dict[tuple[date, str], list[int]] = {}
    for row in data.timeliness:
        due_on_time = totals.setdefault((row["month"], row["kind"]), [0, 0])
        due_on_time[0] += row["due"]
        due_on_time[1] += row["on_time"]

    def draw(figure: Figure, ax: Axes) -> None:
        months = sorted({month for month, _ in totals})
        for kind, colour in ((TALK, NEUTRAL), (REASSESSMENT, LATE)):
            points = [(i, totals[(m, kind)]) for i, m in enumerate(months) if (m, kind) in totals]
            shares = [100 * on_time / due for _, (due, on_time) in points]
            label = say(lang, STATUTORY_KINDS[kind])
            ax.plot([i for i, _ in points], shares, marker="o", color=colour, label=label)
        ax.set_xticks(range(len(months)), [format_date(m, "MMM y", locale=lang) for m in months])
        ax.set_ylim(0, 105)
        ax.set_ylabel(say(lang, "held on time (%)"))
        ax.set_xlabel(say(lang, "month of the law's latest date"))
        ax.legend(frameon=False)

    return titled_chart(title, not totals, draw, SIZE, lang)


CHARTS: dict[str, tuple[str, Callable[[ReportData], bytes]]] = {
    "time_in_stage.png": (N_("Time in each stage"), time_in_stage),
    "lead_time.png": (N_("Handover lead time"), lead_time),
    "escalations.png": (N_("Missed deadlines"), escalation_heatmap),
    "funnel.png": (N_("From case opened to employed"), funnel),
    "timeliness.png": (N_("Timeliness of statutory follow-up"), timeliness),
}
