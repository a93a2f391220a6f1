"""The what-if's charts as PNG bytes, current and new in the same axes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reports.charts import LATE, NEUTRAL, SIZE, titled_chart
from reports.language import N_, say
from reports.whatif.figures import Figures, percentile
from reports.whatif.words import group
from reports.words import stage

Chart = Callable[[str, Figures, Figures, list[date]], bytes]


def messages_per_week(lang: str, current: Figures, new: Figures, weeks: list[date]) -> bytes:
    def draw(figure: Figure, ax: Axes) -> None:
        for side, colour in ((current, NEUTRAL), (new, LATE)):
            counts = [side.weeks[w] for w in weeks]
            ax.plot(weeks, counts, color=colour, label=side.label)  # type: ignore[arg-type]
        ax.set_ylabel(say(lang, "messages (all recipients)"))
        ax.set_xlabel(say(lang, "week starting"))
        ax.legend(loc="upper left")

    title = say(lang, "Messages a week, current and new policy")
    return titled_chart(title, not current.weeks and not new.weeks, draw, SIZE, lang)


def _bars(
    ax: Axes, labels: list[str], pairs: list[tuple[float, float]], names: tuple[str, str]
) -> None:
    positions = range(len(labels))
    ax.barh([p + 0.2 for p in positions], [a for a, _ in pairs], 0.4, color=NEUTRAL, label=names[0])
    ax.barh([p - 0.2 for p in positions], [b for _, b in pairs], 0.4, color=LATE, label=names[1])
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.legend(loc="lower right")


def workload(lang: str, current: Figures, new: Figures, weeks: list[date]) -> bytes:
    groups = sorted({g for g, _ in current.group_weeks} | {g for g, _ in new.group_weeks})
    n = max(len(weeks), 1)

    def per_week(side: Figures, name: str) -> float:
        return sum(c for (g, _), c in side.group_weeks.items() if g == name) / n

    def draw(figure: Figure, ax: Axes) -> None:
        pairs = [(per_week(current, g), per_week(new, g)) for g in groups]
        _bars(ax, [group(lang, g) for g in groups], pairs, (current.label, new.label))
        ax.set_xlabel(say(lang, "messages a week, on average"))

    title = say(lang, "Messages a week per recipient group")
    return titled_chart(title, not groups, draw, SIZE, lang)


def time_in_stage(lang: str, current: Figures, new: Figures, weeks: list[date]) -> bytes:
    stages = [s for s in current.stage_days if s in new.stage_days]

    def draw(figure: Figure, ax: Axes) -> None:
        pairs = [
            (
                percentile(current.stage_days[s], 0.5) or 0.0,
                percentile(new.stage_days[s], 0.5) or 0.0,
            )
            for s in stages
        ]
        _bars(ax, [stage(lang, s.value) for s in stages], pairs, (current.label, new.label))
        ax.set_xlabel(say(lang, "days"))

    title = say(lang, "Typical (median) time in each stage")
    return titled_chart(title, not stages, draw, SIZE, lang)


# File name: the title of the table the chart goes with, and how to draw it.
CHARTS: dict[str, tuple[str, Chart]] = {
    "whatif_weeks.png": (N_("Messages by kind and level"), messages_per_week),
    "whatif_workload.png": (N_("Workload per recipient group"), workload),
    "whatif_stages.png": (N_("Time in stage and handover lead time (days)"), time_in_stage),
}
